package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.RunDirectory;

class RunLogFileTest {
  @TempDir Path tmp;

  @Test
  void logFileReceivesLinesWhileAttached() throws IOException {
    Logger log = LogManager.getLogger("org.scrl4j.train.RunLogFileTest");
    Path dir = RunDirectory.open(tmp.resolve("logged")).path();
    try (RunLogFile ignored = RunLogFile.attachToRun(dir, 0)) {
      log.warn("inside-marker-7731");
    }
    log.warn("outside-marker-7732");
    String text = Files.readString(dir.resolve(RunDirectory.LOG_FILE));
    assertTrue(text.matches("(?s)\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d WARN  RunLogFileTest - inside-marker-7731\\n"),
        text);
    assertFalse(text.contains("outside-marker"));
    try (RunLogFile ignored = RunLogFile.attachToRun(dir, 3)) {
      log.warn("rank-three");
    }
    assertTrue(Files.readString(dir.resolve("log_rank3.txt")).contains("rank-three"));
  }
}
