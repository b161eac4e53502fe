package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NonFiniteLossErrorTest {
  @TempDir Path tmp;

  @Test
  void nonFiniteLossNamesTheStepAndTheKeptCheckpoint() {
    NonFiniteLossError.check(0.25, 10, 1, null);
    NonFiniteLossError e = assertThrows(NonFiniteLossError.class,
        () -> NonFiniteLossError.check(Double.NaN, 1234, 5, tmp.resolve("checkpoint_4")));
    assertEquals(1234, e.step());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().contains("NaN at step 1234 (epoch 5)"), e.getMessage());
    assertTrue(e.getMessage().contains("last good checkpoint " + tmp.resolve("checkpoint_4") + " is kept"),
        e.getMessage());
    NonFiniteLossError inf = assertThrows(NonFiniteLossError.class,
        () -> NonFiniteLossError.check(Double.POSITIVE_INFINITY, 7, 1, null));
    assertTrue(inf.getMessage().contains("Infinity at step 7") && inf.getMessage().contains("no checkpoint"),
        inf.getMessage());
  }

  @Test
  void nonFiniteWeightsAreRefusedBeforeTheyReachACheckpoint() {
    java.util.Map<String, org.scrl4j.io.NpyArray> values = new java.util.LinkedHashMap<>();
    values.put("online/backbone/conv1.weight", org.scrl4j.io.NpyArray.of(new float[] {1f, -2f}, 2));
    values.put("global_step", org.scrl4j.io.NpyArray.of(new long[] {Long.MAX_VALUE}));
    NonFiniteLossError.checkWeights(values, 9, 2, null);
    values.put("online/backbone/bn1.weight", org.scrl4j.io.NpyArray.of(new float[] {0f, Float.NaN, 1f}, 3));
    NonFiniteLossError e = assertThrows(NonFiniteLossError.class,
        () -> NonFiniteLossError.checkWeights(values, 9, 2, tmp.resolve("checkpoint_1")));
    assertEquals(9, e.step());
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().startsWith("weights became NaN at step 9 (epoch 2, online/backbone/bn1.weight)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("last good checkpoint " + tmp.resolve("checkpoint_1") + " is kept"),
        e.getMessage());
  }
}
