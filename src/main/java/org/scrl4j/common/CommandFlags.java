package org.scrl4j.common;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.AlreadySelectedException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

/**
 * The flags of one command ({@code --name VALUE} or {@code --name=VALUE}, toggles, {@code --help})
 * and their typed values. Every mistake is a {@link UserError} of one line that names the flag
 * and says what to do: the nearest known flag for a typo, the expected kind of value, where the
 * help is. One parser for every command, so they all spell flags and errors alike.
 */
public final class CommandFlags {
  private final String command;
  private final Options options = new Options();
  private final List<String> extraNames = new ArrayList<>();
  private String usage;
  private String footer;
  private CommandLine line;

  /** @param command the words after {@code tools/scrl}, e.g. {@code "boxes"} or {@code "bench --what step"} */
  public CommandFlags(String command) {
    this.command = command;
    this.usage = "tools/scrl " + command;
    options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
  }

  /** A flag taking a value, {@code --name ARG}. */
  public CommandFlags flag(String name, String arg, String description) {
    options.addOption(Option.builder().longOpt(name).hasArg().argName(arg).desc(description).build());
    return this;
  }

  /** A flag taking one or more values, {@code --name A B} (or repeated), read by {@link #values}. */
  public CommandFlags flagList(String name, String arg, String description) {
    options.addOption(Option.builder().longOpt(name).hasArgs().argName(arg).desc(description).build());
    return this;
  }

  /** A flag without a value, such as {@code --force}. */
  public CommandFlags toggle(String name, String description) {
    options.addOption(Option.builder().longOpt(name).desc(description).build());
    return this;
  }

  /** The help's first line instead of {@code tools/scrl COMMAND [flags]}. */
  public CommandFlags usage(String usageLine) {
    this.usage = usageLine;
    return this;
  }

  /** Text printed after the flags in the help. */
  public CommandFlags footer(String text) {
    this.footer = text;
    return this;
  }

  /**
   * Names besides the flags that a typo may have meant, e.g. the {@code a/b/c} config keys a
   * command also takes as {@code --a/b/c=value}.
   */
  public CommandFlags suggestAlso(Collection<String> names) {
    extraNames.addAll(names);
    return this;
  }

  /** Whether {@code name} was declared. */
  public boolean declares(String name) {
    return options.hasLongOption(name);
  }

  /** Parses; returns false when --help was asked (the help has been printed on stdout). */
  public boolean parse(List<String> args) {
    try {
      line = DefaultParser.builder().build().parse(options, args.toArray(String[]::new));
    } catch (UnrecognizedOptionException e) {
      throw unknown(e.getOption());
    } catch (MissingArgumentException e) {
      String name = e.getOption().getLongOpt();
      throw error("--" + name + " needs a value: --" + name + " " + e.getOption().getArgName());
    } catch (AlreadySelectedException e) {
      throw error(e.getMessage());
    } catch (ParseException e) {
      throw error(e.getMessage());
    }
    if (!line.getArgList().isEmpty()) {
      String stray = line.getArgList().get(0);
      throw error("unexpected argument '" + stray + "': flags look like --name VALUE");
    }
    if (line.hasOption("help")) {
      System.out.print(help());
      return false;
    }
    return true;
  }

  private UserError unknown(String given) {
    String name = given.replaceFirst("^-+", "").replaceFirst("=.*", "");
    List<String> known = new ArrayList<>();
    for (Option o : options.getOptions()) {
      known.add(o.getLongOpt());
    }
    known.addAll(extraNames);
    String nearest = NearestName.of(name, known);
    return error("unknown flag --" + name + (nearest == null ? "" : "; did you mean --" + nearest + "?"));
  }

  /** A one-line error about this command's flags, ending with where the help is. */
  public UserError error(String message) {
    return new UserError(command + ": " + message + " (tools/scrl " + command + " --help lists the flags)");
  }

  public String help() {
    StringWriter w = new StringWriter();
    new HelpFormatter().printHelp(new PrintWriter(w), 100, usage, null, options, 2, 2, footer,
        usage.equals("tools/scrl " + command));
    return w.toString();
  }

  private CommandLine parsed() {
    if (line == null) {
      throw new IllegalStateException("CommandFlags.parse was not called");
    }
    return line;
  }

  public boolean isSet(String name) {
    return parsed().hasOption(name);
  }

  /** The value, or null when the flag was not given. */
  public String optional(String name) {
    return parsed().getOptionValue(name);
  }

  /** Every value of a {@link #flagList} flag; empty when not given. */
  public List<String> values(String name) {
    String[] v = parsed().getOptionValues(name);
    return v == null ? List.of() : List.of(v);
  }

  public String optional(String name, String fallback) {
    String v = optional(name);
    return v == null ? fallback : v;
  }

  public String required(String name) {
    String v = optional(name);
    if (v == null || v.isBlank()) {
      throw error("--" + name + " is required");
    }
    return v;
  }

  public Path path(String name) {
    return Path.of(required(name));
  }

  /** A whole number >= 1, or {@code fallback} when not given. */
  public int positiveInt(String name, int fallback) {
    int n = integer(name, fallback);
    if (isSet(name) && n < 1) {
      throw error("--" + name + " " + optional(name) + " must be a positive integer, e.g. --" + name + " 8");
    }
    return n;
  }

  /** A whole number, or {@code fallback} when not given. */
  public int integer(String name, int fallback) {
    String v = optional(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw error("--" + name + " '" + v + "' is not a whole number, e.g. --" + name + " " + fallback);
    }
  }

  /** A number (decimal or scientific), or {@code fallback} when not given. */
  public double number(String name, double fallback) {
    String v = optional(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw error("--" + name + " '" + v + "' is not a number, e.g. --" + name + " " + fallback);
    }
  }

  /** One of {@code allowed} (case-insensitive, returned in lower case), or {@code fallback}. */
  public String choice(String name, String fallback, String... allowed) {
    String v = optional(name, fallback).toLowerCase(Locale.ROOT);
    if (!List.of(allowed).contains(v)) {
      throw error("--" + name + " " + v + " is not one of " + String.join(", ", allowed));
    }
    return v;
  }

  /** The flags given with a value, in command-line order, names without dashes (to pass on). */
  public Map<String, String> given() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Option o : parsed().getOptions()) {
      if (o.hasArg()) {
        m.put(o.getLongOpt(), o.getValue());
      }
    }
    return m;
  }

  /**
   * The value of {@code --name} in {@code args} before parsing (null when absent), for a flag that
   * decides which other flags exist, such as {@code bench --what}.
   */
  public static String peek(List<String> args, String name) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--" + name) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    return null;
  }
}
