package org.scrl4j.model;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * torchvision ResNet trunk (no fc) on NHWC float32 images, with torchvision's variable names and
 * its explicit symmetric padding (7x7/2 conv pad 3, 3x3/2 max-pool pad 1 with -inf, 3x3 convs pad
 * 1), so weights move between the frameworks unchanged and outputs match for every input size.
 * Bottleneck blocks stride on the 3x3 conv (v1.5).
 */
public final class ResNet {

  /** The trunk's outputs: stage outputs C2..C5 (layer1..layer4, NHWC) and the global average [N, C]. */
  public record Endpoints(Operand<TFloat32> c2, Operand<TFloat32> c3, Operand<TFloat32> c4,
      Operand<TFloat32> c5, Operand<TFloat32> pooled) {}

  private record ConvBn(ParamStore.Param weight, ParamStore.BatchNormParams bn, int stride, int pad) {
    long params() {
      return weight.size() + bn.gamma().size() + bn.beta().size();
    }
  }

  private record Block(String name, List<ConvBn> convs, ConvBn downsample) {
    long params() {
      long n = downsample == null ? 0 : downsample.params();
      for (ConvBn c : convs) {
        n += c.params();
      }
      return n;
    }
  }

  private final ResNetSpec spec;
  private final String scope;
  private final ConvBn stem;
  private final List<List<Block>> stages = new ArrayList<>();

  private ResNet(ParamStore store, String scope, ResNetSpec spec) {
    this.spec = spec;
    this.scope = scope;
    int width = spec.width();
    stem = new ConvBn(store.conv(scope, "conv1.weight", 7, 7, 3, width), store.batchNorm(scope, "bn1", width), 2, 3);
    long inplanes = width;
    int[] blocks = spec.blocks();
    for (int s = 0; s < 4; s++) {
      List<Block> stage = new ArrayList<>();
      long planes = spec.planes(s);
      long out = (long) spec.stageChannels(s);
      for (int b = 0; b < blocks[s]; b++) {
        int stride = (b == 0 && s > 0) ? 2 : 1;
        String p = "layer" + (s + 1) + "." + b + ".";
        List<ConvBn> convs = new ArrayList<>();
        if (spec.block() == ResNetSpec.Block.BASIC) {
          convs.add(new ConvBn(store.conv(scope, p + "conv1.weight", 3, 3, inplanes, planes), store.batchNorm(scope, p + "bn1", planes), stride, 1));
          convs.add(new ConvBn(store.conv(scope, p + "conv2.weight", 3, 3, planes, planes), store.batchNorm(scope, p + "bn2", planes), 1, 1));
        } else {
          convs.add(new ConvBn(store.conv(scope, p + "conv1.weight", 1, 1, inplanes, planes), store.batchNorm(scope, p + "bn1", planes), 1, 0));
          convs.add(new ConvBn(store.conv(scope, p + "conv2.weight", 3, 3, planes, planes), store.batchNorm(scope, p + "bn2", planes), stride, 1));
          convs.add(new ConvBn(store.conv(scope, p + "conv3.weight", 1, 1, planes, out), store.batchNorm(scope, p + "bn3", out), 1, 0));
        }
        ConvBn down = null;
        if (stride != 1 || inplanes != out) {
          down = new ConvBn(store.conv(scope, p + "downsample.0.weight", 1, 1, inplanes, out),
              store.batchNorm(scope, p + "downsample.1", out), stride, 0);
        }
        stage.add(new Block("layer" + (s + 1) + "." + b, convs, down));
        inplanes = out;
      }
      stages.add(stage);
    }
  }

  /** Creates the trunk's variables under {@code scope} (e.g. "online/backbone"). */
  public static ResNet create(ParamStore store, String scope, ResNetSpec spec) {
    return new ResNet(store, scope, spec);
  }

  public ResNetSpec spec() {
    return spec;
  }

  public String scope() {
    return scope;
  }

  /** Channels of {@link Endpoints#pooled()}. */
  public int featureDim() {
    return spec.featureDim();
  }

  /** Builds the forward pass on NHWC {@code images}; layers are logged under ctx's path. */
  public Endpoints apply(ForwardContext ctx, Operand<TFloat32> images) {
    ForwardContext c = ctx.in("stem");
    Ops tf = c.tf();
    Operand<TFloat32> x = Relu.apply(tf, convBn(c, images, stem));
    // torch MaxPool2d(3, 2, padding=1): pad with -inf so the padding never wins the max
    x = tf.nn.maxPool(pad(tf, x, 1, Float.NEGATIVE_INFINITY), tf.constant(new int[] {1, 3, 3, 1}),
        tf.constant(new int[] {1, 2, 2, 1}), "VALID");
    c.log("conv1+bn1+relu+maxpool", x, stem.params());
    List<Operand<TFloat32>> outs = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      for (Block b : stages.get(s)) {
        ForwardContext bc = ctx.in(b.name());
        x = block(bc, x, b);
        ctx.log(b.name(), x, b.params());
      }
      outs.add(x);
    }
    ForwardContext pc = ctx.in("avgpool");
    Operand<TFloat32> pooled = pc.tf().math.mean(x, pc.tf().constant(new int[] {1, 2}));
    ctx.log("avgpool", pooled, 0);
    return new Endpoints(outs.get(0), outs.get(1), outs.get(2), outs.get(3), pooled);
  }

  private Operand<TFloat32> block(ForwardContext ctx, Operand<TFloat32> input, Block b) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = input;
    List<ConvBn> convs = b.convs();
    for (int i = 0; i < convs.size(); i++) {
      x = convBn(ctx, x, convs.get(i));
      if (i < convs.size() - 1) {
        x = Relu.apply(tf, x);
      }
    }
    Operand<TFloat32> shortcut = b.downsample() == null ? input : convBn(ctx, input, b.downsample());
    return Relu.apply(tf, tf.math.add(x, shortcut));
  }

  private static Operand<TFloat32> convBn(ForwardContext ctx, Operand<TFloat32> x, ConvBn c) {
    return BatchNorm.apply(ctx, conv(ctx.tf(), x, c.weight().value(), c.stride(), c.pad()), c.bn());
  }

  /**
   * Convolution with torch's symmetric zero padding. A stride-1 conv with pad (k-1)/2 is exactly
   * TF SAME; stride 2 would pad asymmetrically under SAME, so it gets an explicit pad + VALID.
   */
  static Operand<TFloat32> conv(Ops tf, Operand<TFloat32> x, Operand<TFloat32> w, int stride, int pad) {
    long k = w.shape().get(0);
    List<Long> strides = List.of(1L, (long) stride, (long) stride, 1L);
    if (pad == 0 && k == 1 && stride > 1) {
      // A strided 1x1 conv only reads every stride-th pixel: subsample, then convolve densely.
      // Same values and output size (ceil(H/stride)), and it sidesteps a crash of TF 2.18's CPU
      // Conv2DBackpropFilter for stride > kernel size.
      Operand<TInt32> zero = tf.constant(new int[] {0, 0, 0, 0});
      Operand<TFloat32> sub = tf.stridedSlice(x, zero, zero, tf.constant(new int[] {1, stride, stride, 1}),
          org.tensorflow.op.core.StridedSlice.beginMask(15L), org.tensorflow.op.core.StridedSlice.endMask(15L));
      return tf.nn.conv2d(sub, w, List.of(1L, 1L, 1L, 1L), "VALID");
    }
    if (pad == 0) {
      return tf.nn.conv2d(x, w, strides, "VALID");
    }
    if (stride == 1 && 2L * pad == k - 1) {
      return tf.nn.conv2d(x, w, strides, "SAME");
    }
    return tf.nn.conv2d(pad(tf, x, pad, 0f), w, strides, "VALID");
  }

  /** Pads H and W of NHWC {@code x} by {@code p} on both sides with {@code value}. */
  static Operand<TFloat32> pad(Ops tf, Operand<TFloat32> x, int p, float value) {
    Operand<TInt32> paddings = tf.constant(new int[][] {{0, 0}, {p, p}, {p, p}, {0, 0}});
    return tf.pad(x, paddings, tf.constant(value));
  }
}
