package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;

class BenchCommandTest {

  @Test
  void stepBenchmarkIsRegistered() {
    assertTrue(BenchCommand.benchmarks().containsKey("step"));
  }

  @Test
  void unknownWhatAndFlagsAreUserErrors() {
    BenchCommand bench = new BenchCommand();
    assertThrows(UserError.class, () -> bench.run(List.of("--what", "nope")));
    assertThrows(UserError.class, () -> bench.run(List.of("--batch", "2")));
    assertThrows(UserError.class, () -> bench.run(List.of("--what", "step", "--bogus", "1")));
  }

  @Test
  void jsonLine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("what", "step");
    m.put("images_per_s", 2.71828);
    m.put("steps", 5);
    assertEquals("{\"what\": \"step\", \"images_per_s\": 2.718, \"steps\": 5}", BenchCommand.json(m));
    assertTrue(BenchCommand.peakRssMb() > 0);
  }
}
