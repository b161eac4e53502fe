package org.scrl4j.cli;

import java.util.Map;

/**
 * One thing {@code tools/scrl bench --what NAME} can measure. Implementations are listed in
 * {@code META-INF/services/org.scrl4j.cli.Benchmark}.
 */
public interface Benchmark {
  /** The value of {@code --what}, e.g. {@code step}. */
  String what();

  /** Its flags, for {@code bench --help}. */
  String usage();

  /**
   * Runs the measurement. {@code flags} holds every flag but {@code --what} (names without the
   * dashes); reject unknown ones with a UserError.
   *
   * @return the result fields, in print order (numbers, strings, booleans); null in a helper
   *     process of a multi-process measurement (its rank 0 reports)
   */
  Map<String, Object> run(Map<String, String> flags) throws Exception;
}
