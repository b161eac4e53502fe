package org.scrl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

class BadInputTest {
  @TempDir Path dir;

  /** Runs steps until TensorFlow fails; returns the failure (the test fails if none comes). */
  static RuntimeException failingStep(Session s, InputPipeline p) {
    for (int step = 0; step < 100; step++) {
      try (Result r = s.runner().fetch(p.output("mean")).run()) {
        // consumed a good batch
      } catch (RuntimeException e) { // TF's errors are not all TensorFlowExceptions
        return e;
      }
    }
    throw new AssertionError("no step failed");
  }

  @Test
  void corruptTfRecordImageStopsWithItsFileNamedUnlessSkipped() throws Exception {
    TestImages.shards(dir, "train", 3, 4, 2, 7); // image 7 lies in the second shard
    ImageSource src = TfRecordSource.open(dir, Split.TRAIN);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
          PipelineOptions.evaluation(2, 0, 1));
      p.startEpoch(s, 0, 0);
      RuntimeException e = failingStep(s, p);
      UserError u = p.explain(s, e);
      assertNotNull(u, "explain found no bad record for: " + e.getMessage());
      assertTrue(u.getMessage().contains("train-00001-of-00002"), u.getMessage());
      assertTrue(u.getMessage().contains("record at byte"), u.getMessage());
      assertFalse(u.getMessage().contains("\n"));
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
          PipelineOptions.training(4, 0, 1, 1).withSkipCorrupt(true));
      for (long epoch = 0; epoch < 2; epoch++) {
        p.startEpoch(s, epoch, 0);
        java.util.Set<Long> seen = new java.util.TreeSet<>();
        for (long step = 0; step < p.stepsPerEpoch(); step++) {
          try (Result r = s.runner().fetch(p.output("index")).run()) {
            TInt64 idx = (TInt64) r.get(0);
            assertEquals(4, idx.shape().get(0));
            for (int b = 0; b < 4; b++) {
              seen.add(idx.getLong(b));
            }
          }
        }
        assertFalse(seen.contains(7L));
        InputPipeline.EpochStats stats = p.endEpoch(s);
        assertEquals(1, stats.skipped(), "epoch " + epoch);
        assertEquals(12, stats.delivered());
      }
    }
  }

  @Test
  void corruptFolderImageIsNamed() throws Exception {
    TestImages.folderSplit(dir, "val", 2, 3);
    Path bad = dir.resolve("val/class_1/img_01.JPEG");
    Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1, 2, 3, 4});
    ImageSource src = ImageSources.open(dir, Split.VALIDATION);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
          PipelineOptions.evaluation(4, 0, 1));
      p.startEpoch(s, 0, 0);
      UserError u = p.explain(s, failingStep(s, p));
      assertNotNull(u);
      assertTrue(u.getMessage().contains(bad.toString()), u.getMessage());
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
          PipelineOptions.evaluation(4, 0, 1).withSkipCorrupt(true));
      List<InputPipelineTest.Item> items = InputPipelineTest.readEpoch(s, p, 0, 0);
      assertEquals(5, items.size());
      assertEquals(1, p.endEpoch(s).skipped());
    }
  }

  @Test
  void brokenFramingMissingShardsAndEmptyInputsAreUserErrors() throws Exception {
    TestImages.shards(dir.resolve("a"), "train", 2, 3, 2);
    Path shard = dir.resolve("a/train-00001-of-00002");
    byte[] bytes = Files.readAllBytes(shard);
    Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length - 10));
    UserError truncated = assertThrows(UserError.class,
        () -> TfRecordSource.open(dir.resolve("a"), Split.TRAIN));
    assertTrue(truncated.getMessage().contains(shard.toString()), truncated.getMessage());

    Files.delete(shard);
    UserError missing = assertThrows(UserError.class,
        () -> TfRecordSource.open(dir.resolve("a"), Split.TRAIN));
    assertTrue(missing.getMessage().contains("train-00001-of-00002 is missing"),
        missing.getMessage());

    Files.createDirectories(dir.resolve("empty"));
    Files.write(dir.resolve("empty/validation-00000-of-00001"), new byte[0]);
    UserError noImages = assertThrows(UserError.class,
        () -> ImageSources.open(dir.resolve("empty"), Split.VALIDATION));
    assertTrue(noImages.getMessage().contains("hold no images"), noImages.getMessage());

    UserError noRoot = assertThrows(UserError.class,
        () -> ImageSources.open(dir.resolve("nowhere"), Split.TRAIN));
    assertTrue(noRoot.getMessage().contains("nowhere"), noRoot.getMessage());

    UserError nothing = assertThrows(UserError.class,
        () -> ImageSources.open(dir.resolve("empty"), Split.TRAIN));
    assertTrue(nothing.getMessage().contains("train/"), nothing.getMessage());

    TestImages.folderSplit(dir.resolve("f"), "train", 2, 2);
    Files.createDirectories(dir.resolve("f/train/class_9_empty"));
    UserError emptyClass = assertThrows(UserError.class,
        () -> ImageSources.open(dir.resolve("f"), Split.TRAIN));
    assertTrue(emptyClass.getMessage().contains("class_9_empty"), emptyClass.getMessage());
  }

  @Test
  void trainingBatchLargerThanTheShardIsAUserError() throws Exception {
    TestImages.shards(dir, "train", 2, 3, 1);
    ImageSource src = TfRecordSource.open(dir, Split.TRAIN);
    try (Graph g = new Graph()) {
      UserError e = assertThrows(UserError.class, () -> InputPipeline.build(Ops.create(g), src,
          new TinyTransform(), PipelineOptions.training(4, 0, 2, 1)));
      assertTrue(e.getMessage().contains("batch size 4"), e.getMessage());
    }
  }

  @Test
  void convertingACorruptImageNamesIt() throws Exception {
    Path src = dir.resolve("src");
    TestImages.folderSplit(src, "train", 2, 2);
    Path bad = src.resolve("train/class_0/img_01.JPEG");
    Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 0, 0});
    UserError e = assertThrows(UserError.class,
        () -> new DatasetConverter(dir.resolve("out"), 1, false, 1).fromFolders(src));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    Path notImage = src.resolve("train/class_0/img_01.JPEG");
    Files.write(notImage, "plain text".getBytes());
    UserError e2 = assertThrows(UserError.class,
        () -> new DatasetConverter(dir.resolve("out2"), 1, false, 1).fromFolders(src));
    assertTrue(e2.getMessage().contains(notImage.toString()), e2.getMessage());
  }

  @Test
  void withSkipCorruptEveryRankStillGetsItsFullStepCount() throws Exception {
    TestImages.shards(dir, "train", 4, 4, 2, 5); // 16 images, image 5 corrupt
    ImageSource src = TfRecordSource.open(dir, Split.TRAIN);
    long skippedTotal = 0;
    for (int rank = 0; rank < 2; rank++) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
            PipelineOptions.training(4, rank, 2, 3).withSkipCorrupt(true));
        assertEquals(2, p.stepsPerEpoch());
        p.startEpoch(s, 0, 0);
        for (long step = 0; step < p.stepsPerEpoch(); step++) {
          try (Result r = s.runner().fetch(p.output("index")).run()) {
            assertEquals(4, r.get(0).shape().get(0), "rank " + rank + " step " + step);
          }
        }
        InputPipeline.EpochStats stats = p.endEpoch(s);
        assertEquals(8, stats.delivered());
        skippedTotal += stats.skipped();
      }
    }
    assertEquals(1, skippedTotal, "the corrupt image lies in exactly one rank's shard");
  }
}
