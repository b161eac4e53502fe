package org.scrl4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.scrl4j.common.UserError;

/**
 * Entry point of {@code tools/scrl}. The first word picks a subcommand; without one, the flags go to
 * {@code train}, as the original {@code main.py --config ...} did.
 */
public final class Main {
  private Main() {}

  public static void main(String[] argv) {
    // Pictures (curves.png, tools/scrl boxes) are drawn into images: never look for a display,
    // which on a server with a stale DISPLAY would fail or hang. -Djava.awt.headless=false wins.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    System.exit(run(argv));
  }

  /** Runs the command line and returns the exit code (used by tests instead of exiting). */
  public static int run(String[] argv) {
    List<String> args = new ArrayList<>(Arrays.asList(argv));
    args.removeIf("--verbose"::equals); // consumed by tools/scrl
    Map<String, Command> commands = commands();
    try {
      if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")
          || args.get(0).equals("help")) {
        System.out.print(usage(commands));
        return 0;
      }
      String first = args.get(0);
      Command command = commands.get(first);
      if (command != null) {
        return command.run(args.subList(1, args.size()));
      }
      if (!first.startsWith("-")) {
        throw new UserError("unknown command '" + first + "'; run tools/scrl --help for the list");
      }
      command = commands.get("train");
      if (command == null) {
        throw new UserError("no train command in this build");
      }
      return command.run(args);
    } catch (UserError e) {
      System.err.println("scrl: error: " + e.getMessage());
      return e.exitCode();
    } catch (Exception e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      if (root instanceof UserError u) {
        System.err.println("scrl: error: " + u.getMessage());
        return u.exitCode();
      }
      System.err.println("scrl: failed: " + root.getClass().getSimpleName() + ": " + root.getMessage()
          + " (set SCRL_DEBUG=1 for the stack trace)");
      if (System.getenv("SCRL_DEBUG") != null) {
        e.printStackTrace();
      }
      return 1;
    }
  }

  static Map<String, Command> commands() {
    Map<String, Command> byName = new TreeMap<>();
    // every command lives in this package: the list is the registry
    for (Command c : List.of(new TrainCommand(), new DemoCommand(), new ConvertCommand(),
        new ExportCommand(), new EmbedCommand(), new BoxPreviewCommand(), new VerifyStepCommand(),
        new GraphCommand(), new BenchCommand(), new DistCheckCommand())) {
      byName.put(c.name(), c);
    }
    return byName;
  }

  static String usage(Map<String, Command> commands) {
    StringBuilder sb = new StringBuilder();
    sb.append("scrl4j: SCRL and BYOL self-supervised pre-training on TensorFlow Java\n\n");
    sb.append("usage: tools/scrl [--verbose] [COMMAND] [flags]\n");
    sb.append("       tools/scrl --config config/scrl_200ep.yaml [--a/b/c=value ...]   (same as 'train')\n\n");
    sb.append("commands:\n");
    for (Command c : commands.values()) {
      sb.append(String.format("  %-12s %s%n", c.name(), c.summary()));
    }
    sb.append("\n'tools/scrl COMMAND --help' shows a command's flags.\n");
    return sb.toString();
  }
}
