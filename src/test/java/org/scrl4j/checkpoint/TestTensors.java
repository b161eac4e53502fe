package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.scrl4j.io.NpyArray;

/** Deterministic checkpoint contents for tests: the same (seed, size) always gives the same bits. */
public final class TestTensors {
  private TestTensors() {}

  /** A conv kernel (HWIO), a vector with awkward values and the global step. */
  public static Map<String, NpyArray> weights(long seed, int kernelElems, long globalStep) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] kernel = new float[kernelElems];
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = (float) r.nextGaussian();
    }
    // NaN with a payload, -0, a subnormal, infinities: a lossy path would change one of them.
    float[] odd = {Float.intBitsToFloat(0x7fc01234), -0.0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY,
        Float.POSITIVE_INFINITY, (float) seed};
    Map<String, NpyArray> w = new LinkedHashMap<>();
    w.put("online/backbone/layer1.0.conv1.weight", NpyArray.of(kernel, 1, 1, kernelElems / 4, 4));
    w.put("optim/momentum/online/backbone/bn1.bias", NpyArray.of(odd, odd.length));
    w.put("global_step", NpyArray.of(new long[] {globalStep}));
    return w;
  }

  /** Same names, dtypes, shapes and bits (NaN payloads included, unlike Arrays.equals). */
  public static void assertBitIdentical(Map<String, NpyArray> expected, Map<String, NpyArray> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String k : expected.keySet()) {
      NpyArray e = expected.get(k);
      NpyArray a = actual.get(k);
      assertEquals(e.dtype(), a.dtype(), k);
      assertArrayEquals(e.shape(), a.shape(), k);
      if (e.dtype() == NpyArray.Dtype.F4) {
        float[] ef = e.floats();
        float[] af = a.floats();
        assertEquals(ef.length, af.length, k);
        for (int i = 0; i < ef.length; i++) {
          if (Float.floatToRawIntBits(ef[i]) != Float.floatToRawIntBits(af[i])) {
            assertEquals(Float.floatToRawIntBits(ef[i]), Float.floatToRawIntBits(af[i]), k + "[" + i + "]");
          }
        }
      } else {
        assertEquals(e, a, k);
      }
    }
  }
}
