package org.scrl4j.cli;

import java.util.Map;
import org.scrl4j.common.CommandFlags;

/**
 * One thing {@code tools/scrl bench --what NAME} can measure; {@link BenchCommand#benchmarks()}
 * lists them.
 */
public interface Benchmark {
  /** The value of {@code --what}, e.g. {@code step}. */
  String what();

  /** Declares its flags (beside {@code --what}) on {@code flags}, defaults in the descriptions. */
  void declare(CommandFlags flags);

  /**
   * Runs the measurement with the parsed {@code flags}.
   *
   * @return the result fields, in print order (numbers, strings, booleans); null in a helper
   *     process of a multi-process measurement (its rank 0 reports)
   */
  Map<String, Object> run(CommandFlags flags) throws Exception;
}
