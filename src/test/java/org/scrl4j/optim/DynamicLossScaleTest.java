package org.scrl4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.checkpoint.CheckpointVariables;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.TensorValues;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * GradScaler's rules on a one-tensor model, loss = sum(w * x), so d loss / d w = x: the scaled
 * gradient is S * x, and x = inf injects an overflow exactly where we want it.
 */
class DynamicLossScaleTest {
  /** A small interval so growth is reached in a few steps; torch's factors. */
  private static final DynamicLossScale.Settings SMALL = new DynamicLossScale.Settings(1024, 2, 0.5, 3);

  /** w, its LARS momentum, the scaler, one step; the checkpoint holds all four variables. */
  private static final class Model implements AutoCloseable {
    final Graph g = new Graph();
    final Session s;
    final Placeholder<TFloat32> x;
    final Variable<TFloat32> w;
    final DynamicLossScale scale;
    final Op train;
    final Op initWeights;
    final Op init;
    final Operand<TBool> applied;
    final Operand<TFloat32> unscaledGrad;
    final CheckpointVariables vars;

    Model() {
      Ops tf = Ops.create(g);
      x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(4)));
      w = tf.withName("w").variable(Shape.of(4), TFloat32.class);
      Operand<TFloat32> wValue = tf.identity(w);
      scale = new DynamicLossScale(tf, SMALL);
      Operand<TFloat32> loss = tf.sum(tf.math.mul(wValue, x), tf.constant(0));
      List<Operand<TFloat32>> grads = Gradients.of(tf, "g", scale.scaled(tf, loss), List.of(wValue));
      DynamicLossScale.Unscaled u = scale.unscale(tf, grads);
      unscaledGrad = u.gradients().get(0);
      applied = u.allFinite();
      LarsOptimizer lars = new LarsOptimizer(Lars.pretraining(1e-6, LarsGrouping.REFERENCE), "lars");
      LarsOptimizer.Step step = lars.apply(tf, List.of(new LarsOptimizer.Slot("layer1.0.conv1.weight", w, wValue,
          unscaledGrad)), tf.constant(0.1f), applied);
      Op update = scale.update(tf.withControlDependencies(List.of(step.step())), applied);
      train = tf.withControlDependencies(List.of(step.step(), update)).noOp();
      initWeights = tf.withControlDependencies(List.of(scale.initializer(),
          tf.assign(w, tf.constant(new float[] {1f, -2f, 0.5f, 3f})))).noOp();
      init = lars.initializer(); // zeros shaped like w: after w has a value
      Map<String, Variable<? extends TType>> all = new LinkedHashMap<>();
      all.put("w", w);
      all.put(lars.momentumBuffers().get(0).variable().op().name(), lars.momentumBuffers().get(0).variable());
      scale.variables().forEach(v -> all.put(v.op().name(), v));
      vars = new CheckpointVariables(tf.withSubScope("checkpoint"), all);
      s = new Session(g);
    }

    void fresh() {
      s.run(initWeights);
      s.run(init);
    }

    /** One step on x; returns {applied, unscaled gradient[0]}. */
    Object[] step(float... xs) {
      try (TFloat32 xt = TensorValues.tensor(xs, 4);
           Result r = s.runner().feed(x, xt).addTarget(train).fetch(applied).fetch(unscaledGrad).run()) {
        return new Object[] {((TBool) r.get(0)).getBoolean(), ((TFloat32) r.get(1)).getFloat(0)};
      }
    }

    float scaleNow() {
      return vars.read(s).get("loss_scale/scale").toFloats()[0];
    }

    float goodSteps() {
      return vars.read(s).get("loss_scale/good_steps").toFloats()[0];
    }

    Map<String, NpyArray> state() {
      return vars.read(s);
    }

    @Override
    public void close() {
      s.close();
      g.close();
    }
  }

  private static final float[] FINITE = {0.25f, -1f, 2f, 0.5f};

  @Test
  void gradientsAreUnscaledExactly() {
    try (Model m = new Model()) {
      m.fresh();
      assertEquals(1024f, m.scaleNow());
      Object[] r = m.step(FINITE);
      assertTrue((Boolean) r[0]);
      assertEquals(0.25f, (Float) r[1], 0f, "x * S / S with S a power of two is x exactly");
    }
  }

  @Test
  void anInfiniteGradientHalvesTheScaleAndSkipsTheStep() {
    try (Model m = new Model()) {
      m.fresh();
      m.step(FINITE);
      Map<String, NpyArray> before = m.state();
      assertEquals(1f, m.goodSteps());
      Object[] r = m.step(0.25f, Float.POSITIVE_INFINITY, 2f, 0.5f);
      assertFalse((Boolean) r[0]);
      Map<String, NpyArray> after = m.state();
      assertArrayEquals(before.get("w").toFloats(), after.get("w").toFloats(), 0f, "weights must not move");
      String momentum = before.keySet().stream().filter(k -> k.startsWith("lars/momentum")).findFirst().orElseThrow();
      assertArrayEquals(before.get(momentum).toFloats(), after.get(momentum).toFloats(), 0f, "momentum must not move");
      assertEquals(512f, m.scaleNow());
      assertEquals(0f, m.goodSteps());
      // NaN the same way
      r = m.step(Float.NaN, 1f, 1f, 1f);
      assertFalse((Boolean) r[0]);
      assertEquals(256f, m.scaleNow());
      // and a finite step applies again
      r = m.step(FINITE);
      assertTrue((Boolean) r[0]);
      assertNotEquals(after.get("w").toFloats()[0], m.state().get("w").toFloats()[0]);
    }
  }

  @Test
  void theScaleDoublesAfterIntervalFiniteSteps() {
    try (Model m = new Model()) {
      m.fresh();
      m.step(FINITE);
      m.step(FINITE);
      assertEquals(1024f, m.scaleNow());
      assertEquals(2f, m.goodSteps());
      m.step(FINITE);
      assertEquals(2048f, m.scaleNow(), "the 3rd finite step in a row grows the scale");
      assertEquals(0f, m.goodSteps());
      // an overflow resets the count: 2 finite, inf, 2 finite leaves the scale at half
      m.step(FINITE);
      m.step(FINITE);
      m.step(Float.POSITIVE_INFINITY, 0f, 0f, 0f);
      m.step(FINITE);
      m.step(FINITE);
      assertEquals(1024f, m.scaleNow());
      assertEquals(2f, m.goodSteps());
    }
  }

  @Test
  void aResumedRunContinuesWithTheSameScaleAndCount() {
    List<float[]> xs = new ArrayList<>();
    for (int k = 0; k < 9; k++) {
      xs.add(k == 4 ? new float[] {Float.POSITIVE_INFINITY, 1, 1, 1} : new float[] {0.1f * k, -1f, 2f, 0.5f});
    }
    Map<String, NpyArray> straight;
    try (Model m = new Model()) {
      m.fresh();
      xs.forEach(m::step);
      straight = m.state();
    }
    Map<String, NpyArray> checkpoint;
    try (Model m = new Model()) {
      m.fresh();
      xs.subList(0, 5).forEach(m::step); // 3 finite: 2048; 1 finite; the overflow: 1024, count 0
      checkpoint = m.state();
    }
    assertEquals(1024f, checkpoint.get("loss_scale/scale").toFloats()[0]);
    assertEquals(0f, checkpoint.get("loss_scale/good_steps").toFloats()[0]);
    try (Model m = new Model()) {
      m.vars.restore(m.s, checkpoint);
      xs.subList(5, 9).forEach(m::step);
      Map<String, NpyArray> resumed = m.state();
      for (String k : straight.keySet()) {
        assertArrayEquals(straight.get(k).toFloats(), resumed.get(k).toFloats(), 0f, k);
      }
      assertEquals(2048f, m.scaleNow(), "3 finite steps after the resume grew the scale back");
      assertEquals(1f, m.goodSteps());
    }
  }

  @Test
  void settingsOutOfRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new DynamicLossScale.Settings(0, 2, 0.5, 10));
    assertThrows(IllegalArgumentException.class, () -> new DynamicLossScale.Settings(1, 1, 0.5, 10));
    assertThrows(IllegalArgumentException.class, () -> new DynamicLossScale.Settings(1, 2, 1, 10));
    assertThrows(IllegalArgumentException.class, () -> new DynamicLossScale.Settings(1, 2, 0.5, 0));
    assertEquals(65536.0, DynamicLossScale.Settings.TORCH.initialScale());
    assertEquals(2000, DynamicLossScale.Settings.TORCH.growthInterval());
  }
}
