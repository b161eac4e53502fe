package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;

class RunDirectoryTest {
  @TempDir Path tmp;

  @Test
  void numberedFoldersTakeTheNextFreeNumber() throws IOException {
    Path root = tmp.resolve("runs");
    assertEquals(root.resolve("scrl_200ep_000"), RunDirectory.createNumbered(root, "scrl_200ep").path());
    assertEquals(root.resolve("scrl_200ep_001"), RunDirectory.createNumbered(root, "scrl_200ep").path());
    Files.createDirectory(root.resolve("scrl_200ep_002"));
    assertEquals(root.resolve("scrl_200ep_003"), RunDirectory.createNumbered(root, "scrl_200ep").path());
    assertEquals(root.resolve("byol_200ep_000"), RunDirectory.createNumbered(root, "byol_200ep").path());
    assertTrue(Files.isDirectory(root.resolve("scrl_200ep_003")));
  }

  @Test
  void unusableSaveDirIsAUserError() throws IOException {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    UserError e = assertThrows(UserError.class, () -> RunDirectory.open(file.resolve("run")));
    assertTrue(e.getMessage().startsWith("save_dir " + file.resolve("run") + " cannot be created"), e.getMessage());
    UserError f = assertThrows(UserError.class, () -> RunDirectory.open(file));
    assertTrue(f.getMessage().contains("is not a directory") || f.getMessage().contains("cannot be created"),
        f.getMessage());
  }

  @Test
  void resultsAppendAndConfigIsReplaced() throws IOException {
    RunDirectory run = RunDirectory.open(tmp.resolve("r"));
    run.appendResult("[Final result (pre-training)] eEvaMax:12.500% @3ep.");
    run.appendResult("[Final result (linear eval.)] last:10.000%, max:11.000% @80ep.");
    List<String> lines = Files.readAllLines(run.path().resolve(RunDirectory.RESULT_FILE));
    assertEquals(2, lines.size());
    assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\[Final result \\(pre-training\\)\\].*"),
        lines.get(0));
    assertTrue(lines.get(1).endsWith("max:11.000% @80ep."));
    assertThrows(IllegalArgumentException.class, () -> run.appendResult("two\nlines"));

    run.writeConfig("a: 1\n");
    run.writeConfig("a: 2\n");
    assertEquals("a: 2\n", Files.readString(run.path().resolve(RunDirectory.CONFIG_FILE)));
    try (var entries = Files.list(run.path())) {
      assertEquals(2, entries.count(), "no temp files left behind");
    }
  }

  @Test
  void replaceFileSwapsWholeFilesAndClearsAKilledWritersTemporaryCopy() throws IOException {
    RunDirectory run = RunDirectory.open(tmp.resolve("c"));
    // what a process killed between write and rename leaves behind
    Path stale = Files.write(run.path().resolve(RunDirectory.CURVES_FILE + ".tmp-99999999"), new byte[] {1, 2});
    byte[] first = {(byte) 0x89, 'P', 'N', 'G', 1};
    byte[] second = {(byte) 0x89, 'P', 'N', 'G', 2, 3};
    assertEquals(run.path().resolve(RunDirectory.CURVES_FILE), run.replaceFile(RunDirectory.CURVES_FILE, first));
    assertTrue(Files.notExists(stale), "the killed writer's copy is gone");
    run.replaceFile(RunDirectory.CURVES_FILE, second);
    org.junit.jupiter.api.Assertions.assertArrayEquals(second,
        Files.readAllBytes(run.path().resolve(RunDirectory.CURVES_FILE)));
    try (var entries = Files.list(run.path())) {
      assertEquals(List.of(RunDirectory.CURVES_FILE), entries.map(p -> p.getFileName().toString()).toList());
    }
    assertThrows(IllegalArgumentException.class, () -> run.replaceFile("../x.png", first));
  }
}
