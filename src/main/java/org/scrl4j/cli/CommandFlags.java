package org.scrl4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.scrl4j.common.UserError;

/** Flag parsing shared by subcommands: --name VALUE or --name=VALUE, --help, one-line errors. */
public final class CommandFlags {
  private final String command;
  private final Options options = new Options();
  private CommandLine line;

  public CommandFlags(String command) {
    this.command = command;
    options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
  }

  public CommandFlags flag(String name, String arg, String description) {
    options.addOption(Option.builder().longOpt(name).hasArg().argName(arg).desc(description).build());
    return this;
  }

  /** A flag without a value, such as {@code --force}. */
  public CommandFlags toggle(String name, String description) {
    options.addOption(Option.builder().longOpt(name).desc(description).build());
    return this;
  }

  public boolean isSet(String name) {
    return line.hasOption(name);
  }

  /** Parses; returns false when --help was asked (the help has been printed). */
  public boolean parse(List<String> args) {
    try {
      line = new DefaultParser().parse(options, args.toArray(String[]::new));
    } catch (ParseException e) {
      throw new UserError(e.getMessage() + "; run tools/scrl " + command + " --help");
    }
    if (!line.getArgList().isEmpty()) {
      throw new UserError("unexpected argument '" + line.getArgList().get(0) + "'; run tools/scrl "
          + command + " --help");
    }
    if (line.hasOption("help")) {
      System.out.print(help());
      return false;
    }
    return true;
  }

  public String help() {
    StringWriter w = new StringWriter();
    new HelpFormatter().printHelp(new PrintWriter(w), 100, "tools/scrl " + command, null, options, 2, 2, null, true);
    return w.toString();
  }

  public String optional(String name) {
    return line.getOptionValue(name);
  }

  public String required(String name) {
    String v = line.getOptionValue(name);
    if (v == null || v.isBlank()) {
      throw new UserError("--" + name + " is required; run tools/scrl " + command + " --help");
    }
    return v;
  }

  public Path path(String name) {
    return Path.of(required(name));
  }

  public int positiveInt(String name, int fallback) {
    String v = line.getOptionValue(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new UserError("--" + name + " " + v + " must be a positive integer");
  }
}
