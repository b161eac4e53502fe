package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.method.GraphSummary;

class GraphCommandTest {
  private final GraphCommand graph = new GraphCommand();

  @Test
  void badFlagsAreOneLineUserErrors() {
    assertTrue(assertThrows(UserError.class, () -> graph.run(List.of("--width", "8")))
        .getMessage().contains("--arch"));
    assertThrows(UserError.class, () -> graph.run(List.of("--arch", "resnet18", "--bogus", "1")));
    assertTrue(assertThrows(UserError.class, () -> graph.run(List.of("--arch", "resnet18", "--width", "0")))
        .getMessage().contains("--width"));
    assertThrows(UserError.class, () -> graph.run(List.of("--arch", "resnet18", "--size")));
    assertThrows(UserError.class, () -> graph.run(List.of("--arch", "resnet18", "--method", "simclr")));
  }

  @Test
  void flagsReachTheSummaryEachInItsPlace(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("sub/graph.txt");
    assertEquals(0, graph.run(List.of("--arch=resnet18", "--method", "scrl", "--width", "8", "--size", "32",
        "--hidden", "24", "--out-dim", "12", "--classes", "10", "--out", out.toString())));
    // Distinct values, so two flags swapped or one ignored gives another graph.
    assertEquals(GraphSummary.summarize(new GraphSummary.Settings("resnet18", 8, "scrl", 32, 24, 12, 10)),
        Files.readString(out));
  }
}
