package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.scrl4j.cli.StepBenchmark;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.model.TensorValues;
import org.scrl4j.optim.EmaSchedule;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsGrouping;
import org.scrl4j.optim.LrSchedule;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Several SCRL steps with the evaluator and the real schedules on a tiny network. */
class PretrainStepTest {

  @Test
  void stepsAdvanceScheduleAndNeverGrowTheGraph() {
    int n = 2, size = 64, classes = 5;
    LrSchedule lr = new LrSchedule(0.3, 4, 1, 3);
    EmaSchedule ema = new EmaSchedule(0.9, 12);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> views = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2 * n, size, size, 3)));
      Placeholder<TFloat32> boxes = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 5)));
      Placeholder<TInt64> labels = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(n)));
      ParamStore store = new ParamStore(tf);
      PretrainStep step = PretrainStep.build(tf, store, PretrainStep.Settings.local(ResNetSpec.of("resnet18", 4),
              new ByolNetwork.HeadSpec(16, 8), PretrainStep.Method.SCRL, classes,
              Lars.pretraining(1e-6, LarsGrouping.REFERENCE), lr, ema),
          new PretrainStep.Inputs(views, boxes, labels));
      assertEquals(2, store.trainable("online/evaluator").size());
      assertEquals(store.trainable("online").size(), step.optimizer().momentumBuffers().size());

      Random rnd = new Random(1);
      float[] px = new float[2 * n * size * size * 3];
      for (int i = 0; i < px.length; i++) {
        px[i] = (float) rnd.nextGaussian();
      }
      float[] bx = StepBenchmark.boxes(rnd, n, 3, size);
      try (Session s = new Session(g);
           TFloat32 v = TensorValues.tensor(px, 2 * n, size, size, 3);
           TFloat32 b = TensorValues.tensor(bx, bx.length / 5, 5);
           TInt64 y = TInt64.vectorOf(0, 3)) {
        store.initialize(s, 7);
        s.run(step.initializer());
        ParamStore.Param w = store.get("online/backbone/layer4.1.conv2.weight");
        ParamStore.Param tw = store.get("target/backbone/layer4.1.conv2.weight");
        float[] w0 = store.read(s, w);
        float[] t0 = store.read(s, tw);
        long nodes = g.toGraphDef().getNodeCount();
        for (int k = 0; k < 3; k++) {
          try (Result r = s.runner().feed(views, v).feed(boxes, b).feed(labels, y).addTarget(step.trainOp())
              .fetch(step.loss()).fetch(step.regressionLoss()).fetch(step.evaluatorLoss())
              .fetch(step.evaluatorAccuracy()).fetch(step.lr()).fetch(step.emaMomentum())
              .fetch(step.globalStepAfter()).run()) {
            float loss = TensorValues.scalar(r.get(0));
            float regression = TensorValues.scalar(r.get(1));
            float xent = TensorValues.scalar(r.get(2));
            assertEquals(regression + xent, loss, 1e-5f);
            assertTrue(regression >= 0 && regression <= 8, "regression loss " + regression);
            assertTrue(xent > 0, "evaluator loss " + xent);
            float acc = TensorValues.scalar(r.get(3));
            assertTrue(acc >= 0 && acc <= 1);
            assertEquals(lr.at(k + 1), TensorValues.scalar(r.get(4)), 1e-7, "lr at step " + k);
            assertEquals(ema.at(k), TensorValues.scalar(r.get(5)), 1e-7, "m at step " + k);
            assertEquals(k + 1, ((TInt64) r.get(6)).getLong());
          }
        }
        assertEquals(nodes, g.toGraphDef().getNodeCount(), "running the step added ops");
        assertNotEquals(w0[0], store.read(s, w)[0]);
        assertNotEquals(t0[0], store.read(s, tw)[0]); // the EMA moved the target
        Map<String, float[]> mom = new java.util.HashMap<>();
        for (var m : step.optimizer().momentumBuffers()) {
          try (Result r = s.runner().fetch(m.variable()).run()) {
            mom.put(m.paramVariable(), TensorValues.floats(r.get(0)));
          }
        }
        assertTrue(Math.abs(mom.get("online/evaluator/linear.weight")[0]) > 0);
      }
    }
  }

  /** A tiny SCRL step with the given loss scaling (null: none), its session, fixed inputs. */
  private static final class Tiny implements AutoCloseable {
    final Graph g = new Graph();
    final ParamStore store;
    final PretrainStep step;
    final Session s;
    final Placeholder<TFloat32> views;
    final Placeholder<TFloat32> boxes;
    final float[] px;
    final float[] bx;

    Tiny(org.scrl4j.optim.DynamicLossScale.Settings scaling) {
      int n = 2, size = 64;
      Ops tf = Ops.create(g);
      views = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2 * n, size, size, 3)));
      boxes = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 5)));
      store = new ParamStore(tf);
      step = PretrainStep.build(tf, store, PretrainStep.Settings.local(ResNetSpec.of("resnet18", 4),
              new ByolNetwork.HeadSpec(16, 8), PretrainStep.Method.SCRL, 0,
              Lars.pretraining(1e-6, LarsGrouping.REFERENCE), new LrSchedule(0.3, 4, 1, 3), new EmaSchedule(0.9, 12))
              .withLossScaling(scaling),
          new PretrainStep.Inputs(views, boxes, null));
      Random rnd = new Random(1);
      px = new float[2 * n * size * size * 3];
      for (int i = 0; i < px.length; i++) {
        px[i] = (float) rnd.nextGaussian();
      }
      bx = StepBenchmark.boxes(rnd, n, 3, size);
      s = new Session(g);
      store.initialize(s, 7);
      s.run(step.initializer());
    }

    /** One step; returns every gradient by name, and the loss under "loss". */
    Map<String, float[]> run() {
      Map<String, float[]> out = new java.util.LinkedHashMap<>();
      try (TFloat32 v = TensorValues.tensor(px, px.length / (64 * 64 * 3), 64, 64, 3);
           TFloat32 b = TensorValues.tensor(bx, bx.length / 5, 5)) {
        Session.Runner r = s.runner().feed(views, v).feed(boxes, b).addTarget(step.trainOp()).fetch(step.loss());
        java.util.List<String> names = new java.util.ArrayList<>(step.gradients().keySet());
        names.forEach(k -> r.fetch(step.gradients().get(k)));
        try (Result res = r.run()) {
          out.put("loss", TensorValues.floats(res.get(0)));
          for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), TensorValues.floats(res.get(i + 1)));
          }
        }
      }
      return out;
    }

    float read(String variable) {
      try (Result r = s.runner().fetch(variable).run()) {
        return TensorValues.floats(r.get(0))[0];
      }
    }

    @Override
    public void close() {
      s.close();
      g.close();
    }
  }

  @Test
  void aPowerOfTwoLossScaleLeavesEveryGradientBitIdentical() {
    // every backward op is linear in the upstream gradient and x * 2^k rounds like x, so S = 1024
    // changes no bit of the unscaled gradients (no subnormals here): the scaling is wired as
    // d(S * loss) / S and nothing else
    try (Tiny plain = new Tiny(null);
         Tiny scaled = new Tiny(new org.scrl4j.optim.DynamicLossScale.Settings(1024, 2, 0.5, 2000))) {
      Map<String, float[]> a = plain.run();
      Map<String, float[]> b = scaled.run();
      assertEquals(a.keySet(), b.keySet());
      for (String k : a.keySet()) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(k), b.get(k), 0f, k);
      }
      try (Result res = scaled.s.runner().fetch(scaled.step.globalStep()).run()) {
        assertEquals(1L, ((TInt64) res.get(0)).getLong());
      }
      assertEquals(1024f, scaled.read("loss_scale/scale"));
      assertEquals(1f, scaled.read("loss_scale/good_steps"));
    }
  }

  @Test
  void aStepWhoseScaledGradientsOverflowIsSkippedButTheEmaAndScheduleGoOn() {
    // S = 2^126: the forward is finite, the backward of S * loss overflows float32, as a float16
    // step overflows at 2^16
    try (Tiny t = new Tiny(new org.scrl4j.optim.DynamicLossScale.Settings(Math.pow(2, 126), 2, 0.5, 2000))) {
      ParamStore.Param w = t.store.get("online/backbone/layer4.1.conv2.weight");
      ParamStore.Param tw = t.store.get("target/backbone/layer4.1.conv2.weight");
      ParamStore.Param rm = t.store.get("online/backbone/bn1.running_mean");
      float[] w0 = t.store.read(t.s, w);
      float[] t0 = t.store.read(t.s, tw);
      float[] rm0 = t.store.read(t.s, rm);
      Map<String, float[]> r = t.run();
      assertTrue(Float.isFinite(r.get("loss")[0]), "the forward stays finite");
      org.junit.jupiter.api.Assertions.assertArrayEquals(w0, t.store.read(t.s, w), 0f, "LARS must skip the step");
      assertNotEquals(t0[0], t.store.read(t.s, tw)[0], "the EMA still runs, as after scaler.step()");
      assertTrue(Float.isFinite(t.store.read(t.s, rm)[0]) && t.store.read(t.s, rm)[0] != rm0[0],
          "running statistics are updated by the forward, as in torch");
      assertEquals((float) Math.pow(2, 125), t.read("loss_scale/scale"));
      assertEquals(0f, t.read("loss_scale/good_steps"));
      try (Result res = t.s.runner().fetch(t.step.globalStep()).run()) {
        assertEquals(1L, ((TInt64) res.get(0)).getLong());
      }
    }
  }
}
