package org.scrl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

class InputPipelineTest {
  @TempDir Path dir;

  /** One image as read through the pipeline. */
  record Item(long index, long label, float[] mean, int height, int width, float random) {}

  static List<Item> readEpoch(Session s, InputPipeline p, long epoch, long startStep) {
    p.startEpoch(s, epoch, startStep);
    List<Item> items = new ArrayList<>();
    while (true) {
      try (Result r = s.runner().fetch(p.output("index")).fetch(p.output("label"))
          .fetch(p.output("mean")).fetch(p.output("size")).fetch(p.output("random")).run()) {
        TInt64 idx = (TInt64) r.get(0);
        TInt64 lab = (TInt64) r.get(1);
        TFloat32 mean = (TFloat32) r.get(2);
        TInt32 size = (TInt32) r.get(3);
        TFloat32 rnd = (TFloat32) r.get(4);
        for (int b = 0; b < idx.shape().get(0); b++) {
          items.add(new Item(idx.getLong(b), lab.getLong(b),
              new float[] {mean.getFloat(b, 0), mean.getFloat(b, 1), mean.getFloat(b, 2)},
              size.getInt(b, 0), size.getInt(b, 1), rnd.getFloat(b)));
        }
      } catch (TFOutOfRangeException end) {
        return items;
      }
    }
  }

  @Test
  void tfRecordAndFolderSourcesReadTheSameImagesWithTheSameLabels() throws Exception {
    TestImages.folderSplit(dir.resolve("folders"), "train", 3, 4);
    TestImages.shards(dir.resolve("records"), "train", 3, 4, 2);
    ImageSource folders = ImageSources.open(dir.resolve("folders"), Split.TRAIN);
    ImageSource records = ImageSources.open(dir.resolve("records"), Split.TRAIN);
    assertEquals(FolderSource.class, folders.getClass());
    assertEquals(TfRecordSource.class, records.getClass());
    assertEquals(12, folders.size());
    assertEquals(12, records.size());
    assertEquals(3, folders.numClasses());
    assertEquals(3, records.numClasses());
    for (ImageSource src : List.of(folders, records)) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
            PipelineOptions.evaluation(5, 0, 1));
        List<Item> items = readEpoch(s, p, 0, 0);
        assertEquals(12, items.size(), src.toString());
        for (int i = 0; i < 12; i++) {
          Item it = items.get(i);
          int c = i / 4;
          int k = i % 4;
          assertEquals(i, it.index());
          assertEquals(c, it.label(), src + " label of image " + i);
          assertEquals(16 + k, it.height());
          assertEquals(20 + c, it.width());
          int[] rgb = TestImages.colour(c, k);
          for (int ch = 0; ch < 3; ch++) {
            assertEquals(rgb[ch], it.mean()[ch], 4.0, src + " colour of image " + i);
          }
        }
      }
    }
  }

  static List<Long> indices(List<Item> items) {
    return items.stream().map(Item::index).toList();
  }

  @Test
  void trainingShardsAreDisjointCompleteAndReshuffledPerEpochFromTheSeed() throws Exception {
    TestImages.shards(dir, "train", 3, 4, 3);
    ImageSource src = TfRecordSource.open(dir, Split.TRAIN);
    int world = 3;
    List<List<Item>> epoch0 = new ArrayList<>();
    List<List<Item>> epoch1 = new ArrayList<>();
    for (int rank = 0; rank < world; rank++) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
            PipelineOptions.training(2, rank, world, 42));
        assertEquals(4, p.imagesPerEpoch());
        assertEquals(2, p.stepsPerEpoch());
        epoch0.add(readEpoch(s, p, 0, 0));
        epoch1.add(readEpoch(s, p, 1, 0));
        // Same (seed, epoch): the same images in the same order with the same random draws.
        List<Item> again = readEpoch(s, p, 0, 0);
        assertEquals(indices(epoch0.get(rank)), indices(again));
        for (int i = 0; i < again.size(); i++) {
          assertEquals(epoch0.get(rank).get(i).random(), again.get(i).random());
        }
      }
    }
    for (List<List<Item>> epoch : List.of(epoch0, epoch1)) {
      java.util.Set<Long> all = new java.util.TreeSet<>();
      for (List<Item> shard : epoch) {
        assertEquals(4, shard.size());
        for (Item it : shard) {
          assertTrue(all.add(it.index()), "image " + it.index() + " read by two ranks");
          assertEquals(it.index() / 4, it.label());
        }
      }
      assertEquals(12, all.size());
    }
    assertNotEquals(indices(epoch0.get(0)), indices(epoch1.get(0)), "epoch 1 not reshuffled");
    // The same image gets different random draws in different epochs.
    Item first = epoch0.get(0).get(0);
    Item sameInEpoch1 = epoch1.stream().flatMap(List::stream)
        .filter(it -> it.index() == first.index()).findFirst().orElseThrow();
    assertNotEquals(first.random(), sameInEpoch1.random());
  }

  @Test
  void resumingInsideAnEpochContinuesTheSameSequence() throws Exception {
    TestImages.shards(dir, "train", 3, 4, 2);
    ImageSource src = TfRecordSource.open(dir, Split.TRAIN);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
          PipelineOptions.training(3, 0, 1, 7));
      List<Item> full = readEpoch(s, p, 5, 0);
      List<Item> resumed = readEpoch(s, p, 5, 2);
      assertEquals(12, full.size());
      assertEquals(indices(full.subList(6, 12)), indices(resumed));
      for (int i = 0; i < resumed.size(); i++) {
        assertEquals(full.get(6 + i).random(), resumed.get(i).random());
      }
    }
  }

  /** A graph holding a training pipeline over two tiny shards in {@code dir}. */
  private Graph tinyTrainingPipeline() throws Exception {
    TestImages.shards(dir, "train", 2, 2, 1);
    Graph g = new Graph();
    InputPipeline.build(Ops.create(g), TfRecordSource.open(dir, Split.TRAIN), new TinyTransform(),
        PipelineOptions.training(2, 0, 1, 7));
    return g;
  }

  /**
   * The pipeline runs with tf.data's autotuner off: its model thread made a new epoch's iterator
   * wait seconds for the old one's destructor (see {@link InputPipeline#WITHOUT_AUTOTUNE}).
   */
  @Test
  void pipelineTurnsTfDataAutotuningOff() throws Exception {
    try (Graph g = tinyTrainingPipeline()) {
      List<org.tensorflow.GraphOperation> options = new ArrayList<>();
      g.operations().forEachRemaining(op -> {
        if (op.type().equals("OptionsDataset")) {
          options.add((org.tensorflow.GraphOperation) op);
        }
      });
      assertEquals(1, options.size(), "one OptionsDataset");
      String attr = options.get(0).attributes().getAttrString("serialized_options");
      org.tensorflow.proto.data.DatasetOptions.Options parsed =
          org.tensorflow.proto.data.DatasetOptions.Options.parseFrom(
              attr.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      assertTrue(parsed.getAutotuneOptions().hasEnabled(), "enabled is set explicitly");
      assertEquals(false, parsed.getAutotuneOptions().getEnabled());
    }
  }

  /**
   * A TFRecord image is read from its own offset: the map function opens a one-record
   * TFRecordDatasetV2 at the record's byte offset (a seek), never FixedLengthRecordDataset, whose
   * header skip read the whole shard before each image (RecordOperands#tfRecord).
   */
  @Test
  void tfRecordImagesAreReadFromTheirOffsetNotThroughTheShard() throws Exception {
    try (Graph g = tinyTrainingPipeline()) {
      java.util.Set<String> ops = new java.util.TreeSet<>();
      for (var f : g.toGraphDef().getLibrary().getFunctionList()) {
        f.getNodeDefList().forEach(n -> ops.add(n.getOp()));
      }
      assertTrue(ops.contains("TFRecordDatasetV2"), "ops of the map function: " + ops);
      assertTrue(!ops.contains("FixedLengthRecordDataset") && !ops.contains("FixedLengthRecordDatasetV2"),
          "ops of the map function: " + ops);
    }
  }

  @Test
  void unevenShardsPadTrainingAndCoverEvaluationExactlyOnce() {
    int n = 13;
    int world = 3;
    java.util.Map<Integer, Integer> seen = new java.util.TreeMap<>();
    for (int r = 0; r < world; r++) {
      int[] shard = EpochPlan.shard(n, r, world, 3, 9, true);
      assertEquals(5, shard.length);
      for (int i : shard) {
        seen.merge(i, 1, Integer::sum);
      }
    }
    assertEquals(n, seen.size());
    // 15 slots for 13 images: exactly two images are read twice (the padding).
    assertEquals(2, seen.values().stream().filter(c -> c == 2).count());
    java.util.Set<Integer> eval = new java.util.TreeSet<>();
    int total = 0;
    for (int r = 0; r < world; r++) {
      assertEquals(EpochPlan.shardSize(n, r, world, false),
          EpochPlan.shard(n, r, world, 3, 9, false).length);
      assertEquals(EpochPlan.shardSize(n, r, world, true),
          EpochPlan.shard(n, r, world, 3, 9, true).length);
      for (int i : EpochPlan.shard(n, r, world, 3, 9, false)) {
        eval.add(i);
        total++;
      }
    }
    assertEquals(n, total);
    assertEquals(n, eval.size());
    assertArrayEquals(EpochPlan.permutation(50, 1, 2), EpochPlan.permutation(50, 1, 2));
    assertNotEquals(java.util.Arrays.toString(EpochPlan.permutation(50, 1, 2)),
        java.util.Arrays.toString(EpochPlan.permutation(50, 1, 3)));
    assertNotEquals(java.util.Arrays.toString(EpochPlan.permutation(50, 1, 2)),
        java.util.Arrays.toString(EpochPlan.permutation(50, 2, 2)));
  }

  @Test
  void twoPipelinesInOneGraphKeepTheirOwnIterators() throws Exception {
    TestImages.shards(dir, "train", 2, 3, 1);
    TestImages.shards(dir, "validation", 2, 2, 1);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      InputPipeline train = InputPipeline.build(tf.withSubScope("train_input"),
          TfRecordSource.open(dir, Split.TRAIN), new TinyTransform(),
          PipelineOptions.training(2, 0, 1, 3));
      InputPipeline val = InputPipeline.build(tf.withSubScope("val_input"),
          TfRecordSource.open(dir, Split.VALIDATION), new TinyTransform(),
          PipelineOptions.evaluation(3, 0, 1));
      train.startEpoch(s, 0, 0);
      try (Result r = s.runner().fetch(train.output("index")).run()) {
        assertEquals(2, r.get(0).shape().get(0));
      }
      List<Item> v = readEpoch(s, val, 0, 0);
      assertEquals(List.of(0L, 1L, 2L, 3L), indices(v));
      try (Result r = s.runner().fetch(train.output("index")).run()) {
        assertEquals(2, r.get(0).shape().get(0));
      }
      assertEquals(4, train.endEpoch(s).delivered());
      assertEquals(4, val.endEpoch(s).delivered());
    }
  }

  @Test
  void recordsLargerThanTheReadBufferArriveIntact() throws Exception {
    // A noisy 900x800 JPEG is well over the pipeline's 256 KiB read buffer.
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(900, 800,
        java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    for (int y = 0; y < 800; y++) {
      for (int x = 0; x < 900; x++) {
        int v = rng.nextInt(0x1000000);
        img.setRGB(x, y, v);
      }
    }
    byte[] jpeg = Jpegs.encode(img);
    assertTrue(jpeg.length > 600_000, "only " + jpeg.length + " bytes");
    java.nio.file.Files.createDirectories(dir);
    try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(
        dir.resolve("validation-00000-of-00001"))) {
      TfRecords.write(out, Examples.image(TestImages.solidJpeg(new int[] {1, 2, 3}, 5, 5), 5, 5,
          1, null, "small"));
      TfRecords.write(out, Examples.image(jpeg, 800, 900, 2, null, "large"));
      TfRecords.write(out, Examples.image(TestImages.solidJpeg(new int[] {200, 100, 50}, 7, 6), 7,
          6, 3, null, "small2"));
    }
    TfRecordSource src = TfRecordSource.open(dir, Split.VALIDATION);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
          PipelineOptions.evaluation(3, 0, 1));
      List<Item> items = readEpoch(s, p, 0, 0);
      assertEquals(List.of(0L, 1L, 2L), items.stream().map(Item::label).toList());
      assertEquals(800, items.get(1).height());
      assertEquals(900, items.get(1).width());
      assertEquals(200, items.get(2).mean()[0], 4.0);
    }
    try (ImageChecker checker = new ImageChecker()) {
      assertEquals(900, checker.decode(src.readImage(1)).width());
    }
  }

  @Test
  void validationFolderLabelsFollowTrainClassesAndUnlabelledRecordsGiveMinusOne()
      throws Exception {
    TestImages.folderSplit(dir.resolve("f"), "train", 3, 1);
    TestImages.folderSplit(dir.resolve("f"), "val", 3, 2);
    java.nio.file.Path gone = dir.resolve("f/val/class_1");
    try (var files = java.nio.file.Files.list(gone)) {
      for (java.nio.file.Path p : files.toList()) {
        java.nio.file.Files.delete(p);
      }
    }
    java.nio.file.Files.delete(gone);
    FolderSource val = FolderSource.open(dir.resolve("f"), Split.VALIDATION);
    assertEquals(3, val.numClasses());
    assertEquals(List.of(0, 0, 2, 2), java.util.stream.IntStream.range(0, 4)
        .map(i -> val.index().label(i)).boxed().toList());

    java.nio.file.Files.createDirectories(dir.resolve("u"));
    try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(
        dir.resolve("u/train-00000-of-00001"))) {
      for (int i = 0; i < 3; i++) {
        TfRecords.write(out, Examples.image(TestImages.solidJpeg(new int[] {9, 9, 9}, 4, 4), 4, 4,
            -1, null, "u" + i));
      }
    }
    TfRecordSource unlabelled = TfRecordSource.open(dir.resolve("u"), Split.TRAIN);
    assertEquals(0, unlabelled.numClasses());
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), unlabelled, new TinyTransform(),
          PipelineOptions.evaluation(3, 0, 1));
      assertEquals(List.of(-1L, -1L, -1L),
          readEpoch(s, p, 0, 0).stream().map(Item::label).toList());
    }
  }
}
