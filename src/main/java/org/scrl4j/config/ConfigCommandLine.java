package org.scrl4j.config;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.UserError;

/**
 * The config flags of a command line ({@code train}, {@code demo}, {@code boxes}): {@code --config
 * FILE} (or {@code --config=FILE}), {@code --print-config}, every top-level config key as a flag
 * ({@code --load_dir DIR}, {@code --seed 1}, ...) and nested keys as {@code --a/b/c=value} or
 * {@code --a/b/c value}. A command adds its own flags to the same {@link CommandFlags}.
 */
public final class ConfigCommandLine {
  /** What the command line asked for; {@code help} when --help was asked (and printed). */
  public record Parsed(Path configFile, List<ConfigLoader.Override> overrides, boolean printConfig,
      boolean help) {
    public Config load() {
      return ConfigLoader.load(configFile, overrides);
    }
  }

  private ConfigCommandLine() {}

  /** The top-level config keys that are flags of their own (not sections). */
  private static List<String> topLevelKeys() {
    List<String> keys = new ArrayList<>();
    for (RecordComponent rc : Config.class.getRecordComponents()) {
      if (!rc.getType().isRecord()) {
        keys.add(ConfigSchema.snake(rc.getName()));
      }
    }
    return keys;
  }

  private static final Map<String, String> FLAG_HELP = Map.of(
      "load_dir", "resume/evaluate from this run folder (default: save_dir)",
      "save_dir", "run folder (default: runs/<config>_NNN, numbered)",
      "seed", "seed for weights, data order and augmentation (default 0)",
      "dist_url", "tcp://HOST:PORT of machine 0; 'auto' picks one and prints it",
      "num_machines", "number of machines (default 1)",
      "machine_rank", "this machine's rank, 0..num_machines-1",
      "num_devices", "replicas per machine (default 1)",
      "device", "auto, cpu or gpu",
      "dist_timeout_seconds", "seconds to wait for another rank: at start-up (rank 0, or every peer)"
          + " and for a stuck collective, before stopping (default 300; a killed replica is seen in ~3 s)");

  /** Adds the config flags to {@code flags}; typos are matched against every config key too. */
  public static CommandFlags declare(CommandFlags flags) {
    flags.flag("config", "FILE", "YAML config, e.g. config/scrl_200ep.yaml (defaults fill what it leaves out)")
        .toggle("print-config", "print the merged config as YAML and exit");
    for (String name : topLevelKeys()) {
      flags.flag(name, "VALUE", FLAG_HELP.getOrDefault(name, "config key " + name));
    }
    return flags.suggestAlso(ConfigSchema.allPaths())
        .footer("\nAny config key can be overridden as --a/b/c=value or --a/b/c value, e.g. "
            + "--train/enabled=False --dataset/root /data/imagenet. The command line wins over the file.");
  }

  /** The help of {@code train}'s flags under {@code usageLine}. */
  public static String help(String usageLine) {
    return declare(new CommandFlags("train").usage(usageLine)).help();
  }

  /** Parses the flags of {@code train}. */
  public static Parsed parse(List<String> args) {
    return parse(new CommandFlags("train"), args);
  }

  /**
   * Parses {@code args} with {@code flags} (a command's own flags, declared and read by the
   * caller) plus the config flags, which this adds.
   */
  public static Parsed parse(CommandFlags flags, List<String> args) {
    if (!flags.declares("config")) {
      declare(flags);
    }
    List<ConfigLoader.Override> overrides = new ArrayList<>();
    List<String> plain = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String key = a.startsWith("--") ? a.substring(2) : null;
      int eq = key == null ? -1 : key.indexOf('=');
      // "--config=config/x.yaml" is a plain flag: only a '/' before any '=' makes a nested key
      if (key == null || !(eq >= 0 ? key.substring(0, eq) : key).contains("/")) {
        plain.add(a);
        continue;
      }
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
    if (!flags.parse(plain)) {
      return new Parsed(null, overrides, false, true);
    }
    List<String> topLevel = topLevelKeys();
    flags.given().forEach((name, value) -> {
      if (topLevel.contains(name)) {
        // Top-level keys set on the command line beat the file, like the '/' overrides.
        overrides.add(0, new ConfigLoader.Override(name, value));
      }
    });
    String file = flags.optional("config");
    return new Parsed(file == null ? null : Path.of(file), overrides, flags.isSet("print-config"), false);
  }
}
