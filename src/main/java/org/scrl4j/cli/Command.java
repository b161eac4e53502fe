package org.scrl4j.cli;

import java.util.List;

/**
 * One subcommand of {@code tools/scrl}. Implementations are listed in
 * {@code META-INF/services/org.scrl4j.cli.Command} and appear in {@code --help} with their summary.
 */
public interface Command {
  /** The word typed after {@code tools/scrl}, e.g. {@code convert}. */
  String name();

  /** One line for {@code --help}. */
  String summary();

  /**
   * Runs the command. Throw {@link org.scrl4j.common.UserError} for anything the user can fix.
   *
   * @return the process exit code
   */
  int run(List<String> args) throws Exception;
}
