package org.scrl4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Deterministic checkpoint contents for tests: the same (seed, size) always gives the same bits. */
final class TestTensors {
  private TestTensors() {}

  /** A conv kernel, a vector with awkward values and the global step. */
  static Map<String, Tensor> weights(long seed, int kernelElems, long globalStep) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] kernel = new float[kernelElems];
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = (float) r.nextGaussian();
    }
    // NaN with a payload, -0, a subnormal, infinities: a lossy path would change one of them.
    float[] odd = {Float.intBitsToFloat(0x7fc01234), -0.0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY,
        Float.POSITIVE_INFINITY, (float) seed};
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("online/backbone/layer1.0.conv1.weight",
        TFloat32.tensorOf(Shape.of(kernelElems / 4, 1, 1, 4), DataBuffers.of(kernel, true, false)));
    w.put("optim/momentum/online/backbone/bn1.bias", TFloat32.tensorOf(Shape.of(odd.length), DataBuffers.of(odd, true, false)));
    w.put("global_step", TInt64.scalarOf(globalStep));
    return w;
  }

  static byte[] bytes(Tensor t) {
    byte[] b = new byte[(int) t.numBytes()];
    t.asRawTensor().data().read(b);
    return b;
  }

  static void closeAll(Map<String, ? extends Tensor> tensors) {
    tensors.values().forEach(Tensor::close);
  }
}
