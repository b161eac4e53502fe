package org.scrl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.data.augment.ViewTransforms;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class PipelinesTest {
  @TempDir Path dir;

  @Test
  void pretrainingEvaluationAndLinearEvalBatchesHaveTheSharedLayout() throws Exception {
    TestImages.shards(dir, "train", 2, 2, 1);
    TestImages.shards(dir, "validation", 2, 2, 1);
    TfRecordSource train = TfRecordSource.open(dir, Split.TRAIN);
    TfRecordSource val = TfRecordSource.open(dir, Split.VALIDATION);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      InputPipeline pre = Pipelines.pretraining(tf.withSubScope("pre"), train,
          PretrainAugmentation.defaults(), PipelineOptions.training(2, 0, 1, 11));
      Pipelines.PretrainBatch batch = Pipelines.pretrainBatch(tf, pre);
      assertEquals(Shape.of(4, 224, 224, 3), batch.images().shape());
      InputPipeline eval = Pipelines.evaluation(tf.withSubScope("eval"), val, 224,
          ViewTransforms.EVAL_PAD, PipelineOptions.evaluation(3, 0, 1));
      InputPipeline lin = Pipelines.linearEvalTraining(tf.withSubScope("lin"), train, 224,
          PipelineOptions.training(2, 0, 1, 5));
      assertEquals(Shape.of(2, 224, 224, 3), lin.output("image").shape());

      pre.startEpoch(s, 0, 0);
      try (Result r = s.runner().fetch(batch.images()).fetch(batch.rois()).fetch(batch.labels())
          .fetch(pre.output("box_valid")).run()) {
        TFloat32 images = (TFloat32) r.get(0);
        TFloat32 rois = (TFloat32) r.get(1);
        assertEquals(Shape.of(4, 224, 224, 3), images.shape());
        long k = rois.shape().get(0);
        assertEquals(5, rois.shape().get(1));
        assertEquals(0, k % 20, "10 box pairs per kept image");
        for (int i = 0; i < k / 2; i++) {
          assertEquals(rois.getFloat(i, 0) + 2, rois.getFloat(i + k / 2, 0), 0f);
        }
        // Normalised pixels of solid colours: finite and within the ImageNet-normalised range.
        float v = images.getFloat(0, 100, 100, 0);
        assertTrue(v > -2.2f && v < 2.7f, "pixel " + v);
      }
      eval.startEpoch(s, 0, 0);
      try (Result r = s.runner().fetch(eval.output("image")).fetch(eval.output("label")).run()) {
        assertEquals(Shape.of(3, 224, 224, 3), r.get(0).shape());
        TInt64 labels = (TInt64) r.get(1);
        assertEquals(0, labels.getLong(0));
        assertEquals(1, labels.getLong(2));
      }
      try (Result r = s.runner().fetch(eval.output("image")).run()) {
        assertEquals(Shape.of(1, 224, 224, 3), r.get(0).shape(), "last batch partial");
      }
      lin.startEpoch(s, 0, 0);
      try (Result r = s.runner().fetch(lin.output("image")).run()) {
        assertEquals(Shape.of(2, 224, 224, 3), r.get(0).shape());
      }
    }
  }

  @Test
  void boxesMadePerBatchEqualThePerImageAugmentation() throws Exception {
    TestImages.shards(dir, "train", 3, 2, 1);
    TfRecordSource train = TfRecordSource.open(dir, Split.TRAIN);
    long seed = 11;
    java.util.List<String> names = java.util.List.of("index", "crop1", "crop2", "flip1", "flip2",
        "boxes1", "boxes2", "box_valid");
    java.util.List<org.tensorflow.ndarray.NdArray<?>> batch = new java.util.ArrayList<>();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      InputPipeline pre = Pipelines.pretraining(tf, train, PretrainAugmentation.defaults(),
          PipelineOptions.training(6, 0, 1, seed));
      pre.startEpoch(s, 0, 0);
      var runner = s.runner();
      names.forEach(n -> runner.fetch(pre.output(n)));
      try (Result r = runner.run()) {
        for (int k = 0; k < names.size(); k++) {
          batch.add(copy(r.get(k)));
        }
      }
    }
    int valid = 0;
    for (int row = 0; row < 6; row++) {
      long index = ((org.tensorflow.ndarray.LongNdArray) batch.get(0)).getLong(row);
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        org.tensorflow.types.TString bytes = org.tensorflow.types.TString.tensorOfBytes(
            org.tensorflow.ndarray.NdArrays.scalarOfObject(train.readImage((int) index)));
        var image = DecodedImage.decodeEncoded(tf, tf.constantOf(bytes));
        bytes.close();
        // The pipeline's element seed for epoch 0: (run seed, index).
        PretrainSample one = PretrainAugmentation.defaults().apply(tf, image,
            tf.constant(new long[] {seed, index}));
        var runner = s.runner().fetch(one.crop1()).fetch(one.crop2()).fetch(one.flip1())
            .fetch(one.flip2()).fetch(one.boxes1()).fetch(one.boxes2()).fetch(one.boxValid());
        try (Result r = runner.run()) {
          for (int k = 1; k < names.size(); k++) {
            assertEquals(copy(r.get(k - 1)), batch.get(k).get(row), names.get(k) + " of image " + index);
          }
          valid += ((org.tensorflow.types.TBool) r.get(6)).getBoolean() ? 1 : 0;
        }
      }
    }
    assertTrue(valid > 0, "at least one image of the batch has boxes");
  }

  private static org.tensorflow.ndarray.NdArray<?> copy(org.tensorflow.Tensor t) {
    // Copied out: a Result's tensors are freed when it closes.
    if (t instanceof TFloat32 f) {
      var dst = org.tensorflow.ndarray.NdArrays.ofFloats(f.shape());
      f.copyTo(dst);
      return dst;
    }
    if (t instanceof org.tensorflow.types.TInt32 i) {
      var dst = org.tensorflow.ndarray.NdArrays.ofInts(i.shape());
      i.copyTo(dst);
      return dst;
    }
    if (t instanceof TInt64 l) {
      var dst = org.tensorflow.ndarray.NdArrays.ofLongs(l.shape());
      l.copyTo(dst);
      return dst;
    }
    org.tensorflow.types.TBool b = (org.tensorflow.types.TBool) t;
    var dst = org.tensorflow.ndarray.NdArrays.ofBooleans(b.shape());
    b.copyTo(dst);
    return dst;
  }
}
