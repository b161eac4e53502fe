package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

class CheckpointVariablesTest {
  @TempDir Path tmp;

  /** A miniature training graph: a conv kernel, its momentum slot and global_step. */
  private static final class MiniModel implements AutoCloseable {
    final Graph graph = new Graph();
    final Session session;
    final CheckpointVariables vars;
    final Op init;
    final int ops;

    MiniModel(long[] kernelDims) {
      Ops tf = Ops.create(graph);
      Variable<TFloat32> kernel = named(tf, "online/backbone/conv1.weight").variable(Shape.of(kernelDims), TFloat32.class);
      Variable<TFloat32> slot = named(tf, "optim/momentum/online/backbone/conv1.weight")
          .variable(Shape.of(kernelDims), TFloat32.class);
      Variable<TInt64> step = tf.withName("global_step").variable(Shape.scalar(), TInt64.class);
      init = tf.withControlDependencies(List.of(
          tf.assign(kernel, tf.random.statelessRandomNormal(tf.constant(kernelDims), tf.constant(new long[] {1, 2}))),
          tf.assign(slot, tf.fill(tf.constant(kernelDims), tf.constant(0.5f))),
          tf.assign(step, tf.constant(77L)))).noOp();
      assertEquals("online/backbone/conv1.weight", kernel.op().name());
      Map<String, Variable<? extends TType>> all = new LinkedHashMap<>();
      all.put("online/backbone/conv1.weight", kernel);
      all.put("optim/momentum/online/backbone/conv1.weight", slot);
      all.put("global_step", step);
      vars = new CheckpointVariables(tf, all);
      session = new Session(graph);
      ops = count();
    }

    static Ops named(Ops tf, String fullName) {
      String[] parts = fullName.split("/");
      for (int i = 0; i < parts.length - 1; i++) {
        tf = tf.withSubScope(parts[i]);
      }
      return tf.withName(parts[parts.length - 1]);
    }

    int count() {
      int n = 0;
      for (var it = graph.operations(); it.hasNext(); it.next()) {
        n++;
      }
      return n;
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }

  private static CheckpointState state() {
    return new CheckpointState(1, 77, 0, 0, 0, "resnet18", 1, "byol", 10, 1, 8, 1, "{}", "test");
  }

  @Test
  void saveThenRestoreIntoAFreshGraph() throws IOException {
    Map<String, NpyArray> saved;
    try (MiniModel a = new MiniModel(new long[] {3, 3, 2, 4})) {
      a.session.runner().addTarget(a.init).run().close();
      saved = a.vars.read(a.session);
      assertEquals(List.of("online/backbone/conv1.weight", "optim/momentum/online/backbone/conv1.weight",
          "global_step"), List.copyOf(saved.keySet()));
      assertArrayEquals(new long[] {3, 3, 2, 4}, saved.get("online/backbone/conv1.weight").shape());
      assertEquals(77L, saved.get("global_step").longs()[0]);
      assertEquals(0.5f, saved.get("optim/momentum/online/backbone/conv1.weight").floats()[71]);
      CheckpointStore.create(tmp).save(state(), saved, true, false);
    }
    try (MiniModel b = new MiniModel(new long[] {3, 3, 2, 4})) {
      Checkpoint c = CheckpointStore.findLatest(tmp).orElseThrow();
      b.vars.restore(b.session, c.readWeights());
      TestTensors.assertBitIdentical(saved, b.vars.read(b.session));
      b.vars.restore(b.session, c.readWeights());
      assertEquals(b.ops, b.count(), "saving and restoring never grow the graph");
    }
  }

  @Test
  void partialRestoreAndMismatchMessages() {
    try (MiniModel a = new MiniModel(new long[] {3, 3, 2, 4})) {
      a.session.runner().addTarget(a.init).run().close();
      Map<String, NpyArray> values = new LinkedHashMap<>(a.vars.read(a.session));
      float[] ones = new float[72];
      java.util.Arrays.fill(ones, 1f);
      values.put("online/backbone/conv1.weight", NpyArray.of(ones, 3, 3, 2, 4));
      a.vars.restore(a.session, values, List.of("online/backbone/conv1.weight"));
      Map<String, NpyArray> now = a.vars.read(a.session);
      assertEquals(1f, now.get("online/backbone/conv1.weight").floats()[5]);
      assertEquals(0.5f, now.get("optim/momentum/online/backbone/conv1.weight").floats()[5]);

      values.put("online/backbone/conv1.weight", NpyArray.of(new float[36], 3, 3, 1, 4));
      UserError shape = assertThrows(UserError.class, () -> a.vars.restore(a.session, values));
      assertTrue(shape.getMessage().contains("online/backbone/conv1.weight is <f4 [3, 3, 1, 4]")
          && shape.getMessage().contains("[3, 3, 2, 4]"), shape.getMessage());

      values.remove("global_step");
      UserError missing = assertThrows(UserError.class, () -> a.vars.restore(a.session, values));
      assertTrue(missing.getMessage().contains("lacks 1 of the model's variables (global_step)"), missing.getMessage());
    }
  }
}
