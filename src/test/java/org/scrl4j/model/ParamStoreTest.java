package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class ParamStoreTest {

  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double variance(float[] v) {
    double m = mean(v);
    double s = 0;
    for (float x : v) {
      s += (x - m) * (x - m);
    }
    return s / v.length;
  }

  @Test
  void initialisesLikeTorchvision() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      ParamStore store = new ParamStore(Ops.create(g));
      ParamStore.Param conv = store.conv("online/backbone", "layer2.0.conv2.weight", 3, 3, 128, 128);
      ParamStore.Param lw = store.linearWeight("online/projector", "net.0.weight", 512, 1024);
      ParamStore.Param lb = store.linearBias("online/projector", "net.0.bias", 512, 1024);
      ParamStore.BatchNormParams bn = store.batchNorm("online/projector", "net.1", 1024);
      store.initialize(s, 7);
      Map<String, float[]> v = store.read(s, store.all());
      // Kaiming normal, fan_out = 128*3*3, ReLU gain: var 2/1152
      float[] c = v.get(conv.name());
      assertEquals(0, mean(c), 3e-3);
      assertEquals(2.0 / 1152, variance(c), 0.03 * 2.0 / 1152);
      // torch Linear: U(-1/sqrt(512), 1/sqrt(512)) for weight and bias, var bound^2/3
      double bound = 1 / Math.sqrt(512);
      for (ParamStore.Param p : List.of(lw, lb)) {
        float[] u = v.get(p.name());
        for (float x : u) {
          assertTrue(Math.abs(x) <= bound, p.name() + " value " + x + " outside +-" + bound);
        }
        assertEquals(bound * bound / 3, variance(u), 0.1 * bound * bound / 3);
      }
      for (int i = 0; i < 1024; i++) {
        assertEquals(1f, v.get(bn.gamma().name())[i]);
        assertEquals(0f, v.get(bn.beta().name())[i]);
        assertEquals(0f, v.get(bn.runningMean().name())[i]);
        assertEquals(1f, v.get(bn.runningVar().name())[i]);
      }
      assertArrayEquals(new long[] {3, 3, 128, 128}, conv.dims());
      assertTrue(conv.trainable());
      assertFalse(bn.runningVar().trainable());
      assertEquals("online/backbone/layer2.0.conv2.weight", conv.variable().op().name());
    }
  }

  @Test
  void seededIndependentAndOrderFree() {
    float[] first;
    float[] second;
    float[] targetTwin;
    float[] reseeded;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      ParamStore store = new ParamStore(Ops.create(g));
      ParamStore.Param a = store.conv("online/backbone", "conv1.weight", 7, 7, 3, 16);
      ParamStore.Param t = store.conv("target/backbone", "conv1.weight", 7, 7, 3, 16);
      store.initialize(s, 42);
      first = store.read(s, a);
      targetTwin = store.read(s, store.counterpart(a, "target/backbone"));
      assertArrayEquals(targetTwin, store.read(s, t));
      store.initialize(s, 43);
      reseeded = store.read(s, a);
    }
    try (Graph g = new Graph(); Session s = new Session(g)) {
      ParamStore store = new ParamStore(Ops.create(g));
      // created in another order, with another variable first: same values for the same name and seed
      store.linearWeight("online/projector", "net.0.weight", 4, 4);
      ParamStore.Param a = store.conv("online/backbone", "conv1.weight", 7, 7, 3, 16);
      store.initialize(s, 42);
      second = store.read(s, a);
    }
    assertArrayEquals(first, second);
    assertFalse(java.util.Arrays.equals(first, targetTwin), "online and target must be initialised independently");
    assertFalse(java.util.Arrays.equals(first, reseeded));
  }

  @Test
  void writesWithoutGrowingTheGraph() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      ParamStore store = new ParamStore(Ops.create(g));
      ParamStore.Param w = store.linearWeight("online/evaluator", "linear.weight", 2, 3);
      ParamStore.Param b = store.linearBias("online/evaluator", "linear.bias", 2, 3);
      store.initialize(s, 0);
      store.write(s, Map.of(w.name(), new float[] {1, 2, 3, 4, 5, 6}));
      long ops = countOps(g);
      for (int i = 0; i < 5; i++) {
        store.write(s, Map.of(w.name(), new float[] {i, 2, 3, 4, 5, 6}, b.name(), new float[] {i, i, i}));
      }
      assertEquals(ops, countOps(g));
      assertArrayEquals(new float[] {4, 2, 3, 4, 5, 6}, store.read(s, w));
      assertArrayEquals(new float[] {4, 4, 4}, store.read(s, b));
      UserError e = assertThrows(UserError.class, () -> store.write(s, Map.of(b.name(), new float[2])));
      assertTrue(e.getMessage().contains("online/evaluator/linear.bias"), e.getMessage());
      assertThrows(UserError.class, () -> store.get("online/evaluator/nope"));
      assertThrows(IllegalArgumentException.class, () -> store.linearBias("online/evaluator", "linear.bias", 2, 3));
      assertThrows(IllegalStateException.class, () -> store.linearBias("online/evaluator", "late.bias", 2, 3));
    }
  }

  @Test
  void listsByScopeAndKind() {
    try (Graph g = new Graph()) {
      ParamStore store = new ParamStore(Ops.create(g));
      ByolNetwork.online(store, ResNetSpec.of("resnet18", 8), new ByolNetwork.HeadSpec(16, 8));
      ByolNetwork.target(store, ResNetSpec.of("resnet18", 8), new ByolNetwork.HeadSpec(16, 8));
      assertEquals(20, store.ofKind("online/backbone", ParamStore.Kind.CONV_WEIGHT).size()); // 17 + 3 downsample
      assertEquals(20, store.ofKind("online/backbone", ParamStore.Kind.BN_RUNNING_VAR).size());
      assertEquals(store.in("online/backbone").size(), store.in("target/backbone").size());
      assertTrue(store.in("target/predictor").isEmpty());
      assertEquals(store.in("online/backbone").size() + 14, store.in("online").size());
      assertTrue(store.trainable("online").stream().noneMatch(p -> p.kind().name().startsWith("BN_RUNNING")));
    }
  }

  private static long countOps(Graph g) {
    long n = 0;
    for (var it = g.operations(); it.hasNext(); it.next()) {
      n++;
    }
    return n;
  }
}
