package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointStore;

/**
 * Bad input through the whole command line (issue 5, "Bad input and faults"): each stops with one
 * {@code scrl: error:} line naming the bad path and exit code 2, never a stack trace; a corrupt
 * JPEG stops the run naming the file unless {@code dataset.skip_corrupt} is set.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndBadInputTest {
  @TempDir static Path tmp;
  private Path data;
  private Path config;

  @BeforeAll
  void tinyDataset() throws Exception {
    data = TinyRun.dataset(tmp.resolve("data"));
    config = TinyRun.config(tmp.resolve("tiny.yaml"), data);
  }

  /** The tiny config, cut to the cheapest pre-training (BYOL, one epoch, no evaluations). */
  private TinyRun.Exit trainOnly(String... extra) {
    List<String> args = new ArrayList<>(List.of("--config", config.toString(), "--eval/enabled=False",
        "--train/online_eval=False", "--network/scrl/enabled=False", "--train/max_epochs=1", "--train/warmup_epochs=0"));
    args.addAll(List.of(extra));
    return TinyRun.main(args.toArray(String[]::new));
  }

  private static void assertUserError(TinyRun.Exit e, String... fragments) {
    assertEquals(2, e.code(), e.stderr());
    String line = e.firstLine();
    assertTrue(line.startsWith("scrl: error: "), e.stderr());
    for (String f : fragments) {
      assertTrue(line.contains(f), "'" + f + "' not in: " + line);
    }
    assertEquals(1, e.stderr().lines().filter(l -> l.startsWith("scrl:")).count(), e.stderr());
    assertFalse(e.stderr().contains("\tat "), "stack trace printed: " + e.stderr());
  }

  @Test
  void loadDirWithoutCheckpoints() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("no-checkpoints"));
    Files.writeString(empty.resolve("log.txt"), "a run that never saved\n");
    assertUserError(TinyRun.main("--config", config.toString(), "--train/enabled=False",
        "--load_dir", empty.toString(), "--save_dir", tmp.resolve("eval").toString()),
        "load_dir " + empty + " holds no complete checkpoint");
    // Resuming training from it fails the same way, before any step runs.
    assertUserError(trainOnly("--load_dir", empty.toString(), "--save_dir", tmp.resolve("resume").toString()),
        "load_dir " + empty + " holds no complete checkpoint");
    assertUserError(TinyRun.main("--config", config.toString(), "--train/enabled=False",
        "--load_dir", tmp.resolve("missing").toString(), "--save_dir", tmp.resolve("eval").toString()),
        "load_dir " + tmp.resolve("missing") + " does not exist");
  }

  @Test
  void saveDirUnderARegularFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    Path saveDir = file.resolve("sub");
    assertUserError(trainOnly("--save_dir", saveDir.toString()), "save_dir " + saveDir);
    assertUserError(trainOnly("--save_dir", file.toString()), "save_dir " + file);
  }

  @Test
  void datasetRootWithoutImagesOrMissing() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty-root"));
    for (String format : List.of("folder", "auto", "tfrecord")) {
      assertUserError(trainOnly("--dataset/root", empty.toString(), "--dataset/format=" + format,
          "--save_dir", tmp.resolve("r-" + format).toString()), empty.toString());
    }
    Path classesWithoutImages = Files.createDirectories(tmp.resolve("no-images/train/class_0"));
    assertUserError(trainOnly("--dataset/root", classesWithoutImages.getParent().getParent().toString(),
        "--save_dir", tmp.resolve("r-noimg").toString()), classesWithoutImages.toString());
    Path missing = tmp.resolve("no-such-root");
    assertUserError(trainOnly("--dataset/root", missing.toString(), "--save_dir",
        tmp.resolve("r-missing").toString()), "dataset root " + missing + " does not exist");
  }

  @Test
  void corruptJpegStopsNamingTheFileUnlessSkipped() throws Exception {
    Path root = TinyRun.dataset(tmp.resolve("corrupt-data"));
    Path bad = root.resolve("train/class_1/img_03.JPEG");
    // A JPEG header followed by garbage: found only when decoded.
    Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F',
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    TinyRun.Exit stopped = trainOnly("--dataset/root", root.toString(), "--save_dir",
        tmp.resolve("corrupt-stop").toString());
    assertUserError(stopped, bad.toString());
    assertTrue(stopped.firstLine().contains("skip_corrupt"), stopped.firstLine());
    assertFalse(Files.exists(tmp.resolve("corrupt-stop/checkpoint_1")));

    Path skipped = tmp.resolve("corrupt-skip");
    // min_size 32 with 32 px crops is an SCRL-only setting a BYOL run must not trip over.
    TinyRun.Exit ok = trainOnly("--dataset/root", root.toString(), "--dataset/skip_corrupt=True",
        "--network/scrl/min_size=32",
        "--save_dir", skipped.toString());
    assertEquals(0, ok.code(), ok.stderr());
    Checkpoint c = CheckpointStore.findLatest(skipped).orElseThrow();
    assertEquals(1, c.state().epoch());
    assertEquals(4, c.state().globalStep()); // the skipped image costs no step: stand-ins fill the batch
  }
}
