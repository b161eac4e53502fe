package org.scrl4j.export;

import java.util.Arrays;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The torchvision ResNet forward pass in inference mode (batch norm with running statistics),
 * NHWC, for exported graphs. Padding is explicit and symmetric as in torch (TF "SAME" would pad
 * stride-2 layers on one side only), so torchvision weights give torchvision's features.
 */
public final class InferenceResNet {
  /** BatchNorm epsilon of torch.nn.BatchNorm2d. */
  public static final float BN_EPS = 1e-5f;

  /** Stage outputs C2..C5 (layer1..layer4, strides 4..32, NHWC) and the global average pool. */
  public record Features(
      Operand<TFloat32> c2, Operand<TFloat32> c3, Operand<TFloat32> c4, Operand<TFloat32> c5,
      Operand<TFloat32> pooled) {}

  private final Ops tf;
  private final BackboneArch arch;
  private final Function<String, Operand<TFloat32>> param;

  private InferenceResNet(Ops tf, BackboneArch arch, Function<String, Operand<TFloat32>> param) {
    this.tf = tf;
    this.arch = arch;
    this.param = param;
  }

  /**
   * Builds the forward pass of {@code images} [N,H,W,3] (ImageNet-normalised); {@code param} maps a
   * torchvision name to its tensor in TF layout (conv HWIO).
   */
  public static Features build(
      Ops tf, Operand<TFloat32> images, BackboneArch arch, Function<String, Operand<TFloat32>> param) {
    return new InferenceResNet(tf, arch, param).forward(images);
  }

  private Features forward(Operand<TFloat32> images) {
    Operand<TFloat32> x = relu(bn(conv(images, "conv1.weight", 2, 3), "bn1"));
    x = maxPool3x3s2(x);
    @SuppressWarnings("unchecked")
    Operand<TFloat32>[] stages = new Operand[4];
    for (int s = 0; s < 4; s++) {
      for (int b = 0; b < arch.blocks()[s]; b++) {
        int stride = s > 0 && b == 0 ? 2 : 1;
        x = block(x, "layer" + (s + 1) + "." + b + ".", s, b, stride);
      }
      stages[s] = x;
    }
    Operand<TFloat32> pooled = tf.math.mean(x, tf.constant(new int[] {1, 2}));
    return new Features(stages[0], stages[1], stages[2], stages[3], pooled);
  }

  private Operand<TFloat32> block(Operand<TFloat32> x, String p, int s, int b, int stride) {
    Operand<TFloat32> out;
    if (arch.bottleneck()) {
      out = relu(bn(conv(x, p + "conv1.weight", 1, 0), p + "bn1"));
      out = relu(bn(conv(out, p + "conv2.weight", stride, 1), p + "bn2"));
      out = bn(conv(out, p + "conv3.weight", 1, 0), p + "bn3");
    } else {
      out = relu(bn(conv(x, p + "conv1.weight", stride, 1), p + "bn1"));
      out = bn(conv(out, p + "conv2.weight", 1, 1), p + "bn2");
    }
    Operand<TFloat32> shortcut =
        arch.hasDownsample(s, b) ? bn(conv(x, p + "downsample.0.weight", stride, 0), p + "downsample.1") : x;
    return relu(tf.math.add(out, shortcut));
  }

  private Operand<TFloat32> conv(Operand<TFloat32> x, String weight, int stride, int pad) {
    Operand<TFloat32> padded = pad == 0 ? x : tf.pad(x, spatialPadding(pad), tf.constant(0f));
    return tf.nn.conv2d(padded, param.apply(weight), Arrays.asList(1L, (long) stride, (long) stride, 1L), "VALID");
  }

  /** torch MaxPool2d(3, 2, padding=1): padded cells never win, so pad with -inf. */
  private Operand<TFloat32> maxPool3x3s2(Operand<TFloat32> x) {
    Operand<TFloat32> padded = tf.pad(x, spatialPadding(1), tf.constant(Float.NEGATIVE_INFINITY));
    return tf.nn.maxPool(padded, tf.constant(new int[] {1, 3, 3, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
  }

  private Operand<TInt32> spatialPadding(int pad) {
    return tf.constant(new int[][] {{0, 0}, {pad, pad}, {pad, pad}, {0, 0}});
  }

  private Operand<TFloat32> bn(Operand<TFloat32> x, String p) {
    return tf.nn.fusedBatchNorm(x, param.apply(p + ".weight"), param.apply(p + ".bias"),
            param.apply(p + ".running_mean"), param.apply(p + ".running_var"),
            FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(BN_EPS), FusedBatchNorm.dataFormat("NHWC"))
        .y();
  }

  private Operand<TFloat32> relu(Operand<TFloat32> x) {
    return tf.nn.relu(x);
  }
}
