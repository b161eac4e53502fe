package org.scrl4j.config;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;
import org.scrl4j.common.UserError;

/**
 * The flags of the training command line: {@code --config FILE}, {@code --print-config}, every
 * top-level config key as a flag ({@code --load_dir DIR}, {@code --seed 1}, ...) and nested keys as
 * {@code --a/b/c=value} or {@code --a/b/c value}.
 */
public final class ConfigCommandLine {
  /** What the command line asked for. */
  public record Parsed(Path configFile, List<ConfigLoader.Override> overrides, boolean printConfig,
      boolean help) {
    public Config load() {
      return ConfigLoader.load(configFile, overrides);
    }
  }

  private ConfigCommandLine() {}

  public static Options options() {
    Options options = new Options();
    options.addOption(Option.builder().longOpt("config").hasArg().argName("FILE")
        .desc("YAML config, e.g. config/scrl_200ep.yaml (defaults fill what it leaves out)").build());
    options.addOption(Option.builder().longOpt("print-config")
        .desc("print the merged config as YAML and exit").build());
    options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
    for (RecordComponent rc : Config.class.getRecordComponents()) {
      if (!rc.getType().isRecord()) {
        String name = ConfigSchema.snake(rc.getName());
        options.addOption(Option.builder().longOpt(name).hasArg().argName("VALUE")
            .desc(FLAG_HELP.getOrDefault(name, "config key " + name)).build());
      }
    }
    return options;
  }

  private static final java.util.Map<String, String> FLAG_HELP = java.util.Map.of(
      "load_dir", "resume/evaluate from this run folder (default: save_dir)",
      "save_dir", "run folder (default: runs/<config>_NNN, numbered)",
      "seed", "seed for weights, data order and augmentation (default 0)",
      "dist_url", "tcp://HOST:PORT of machine 0; 'auto' picks one and prints it",
      "num_machines", "number of machines (default 1)",
      "machine_rank", "this machine's rank, 0..num_machines-1",
      "num_devices", "replicas per machine (default 1)",
      "device", "auto, cpu or gpu",
      "dist_timeout_seconds", "seconds to wait for a lost replica before stopping (default 300)");

  public static String help(String usageLine) {
    StringWriter out = new StringWriter();
    new HelpFormatter().printHelp(new PrintWriter(out), 100, usageLine,
        "\nFlags:", options(), 2, 2,
        "\nAny config key can be overridden as --a/b/c=value or --a/b/c value, e.g. "
            + "--train/enabled=False --dataset/root /data/imagenet. The command line wins over the file.",
        false);
    return out.toString();
  }

  public static Parsed parse(List<String> args) {
    List<ConfigLoader.Override> overrides = new ArrayList<>();
    List<String> plain = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String key = a.startsWith("--") ? a.substring(2) : null;
      if (key == null || !key.contains("/")) {
        plain.add(a);
        continue;
      }
      int eq = key.indexOf('=');
      if (eq >= 0) {
        overrides.add(new ConfigLoader.Override(key.substring(0, eq), key.substring(eq + 1)));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        overrides.add(new ConfigLoader.Override(key, args.get(++i)));
      } else if (ConfigSchema.typeAt(key) == boolean.class) {
        overrides.add(new ConfigLoader.Override(key, "true")); // a bare boolean flag means true
      } else if (ConfigSchema.typeAt(key) == null) {
        throw ConfigLoader.unknownKey(key, "on the command line");
      } else {
        throw new UserError("--" + key + " needs a value: --" + key + "=VALUE");
      }
    }
    CommandLine cl;
    try {
      cl = new DefaultParser().parse(options(), plain.toArray(new String[0]));
    } catch (UnrecognizedOptionException e) {
      String flag = e.getOption().replaceFirst("^-+", "").replaceFirst("=.*", "");
      throw ConfigLoader.unknownKey(flag, "on the command line");
    } catch (MissingArgumentException e) {
      throw new UserError("--" + e.getOption().getLongOpt() + " needs a value");
    } catch (ParseException e) {
      throw new UserError(e.getMessage());
    }
    if (!cl.getArgList().isEmpty()) {
      throw new UserError("unexpected argument '" + cl.getArgList().get(0)
          + "': flags look like --config FILE or --a/b/c=value");
    }
    for (Option o : cl.getOptions()) {
      String name = o.getLongOpt();
      if (!name.equals("config") && !name.equals("print-config") && !name.equals("help")) {
        // Top-level keys set on the command line beat the file, like the '/' overrides.
        overrides.add(0, new ConfigLoader.Override(name, o.getValue()));
      }
    }
    Path file = cl.hasOption("config") ? Path.of(cl.getOptionValue("config")) : null;
    return new Parsed(file, overrides, cl.hasOption("print-config"), cl.hasOption("help"));
  }
}
