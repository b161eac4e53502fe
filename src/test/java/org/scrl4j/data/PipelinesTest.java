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
}
