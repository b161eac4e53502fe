package org.scrl4j.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void plainOutputIsOneLinePerTenthWithRateAndEta() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressBar bar = new ProgressBar("convert", 200, false,
        new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
      for (int i = 0; i < 200; i++) {
        bar.step(1);
      }
    }
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(11, lines.length, String.join("\n", lines)); // 0%, 10%, ..., 100%
    assertTrue(lines[10].startsWith("convert 200/200 (100%) "), lines[10]);
    assertTrue(lines[5].matches("convert 100/200 \\( 50%\\) [0-9.]+/s ETA \\d+:\\d\\d:\\d\\d"),
        lines[5]);
    assertTrue(!bytes.toString(StandardCharsets.UTF_8).contains("\r"));
  }

  @Test
  void terminalOutputRedrawsOneBar() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressBar bar = new ProgressBar("x", 4, true,
        new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
      bar.step(4);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.startsWith("\rx [##############################] 4/4 (100%)"), out);
    assertEquals("0:01:05", ProgressBar.clock(65));
  }
}
