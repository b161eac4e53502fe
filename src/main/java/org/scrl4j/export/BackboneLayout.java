package org.scrl4j.export;

import java.util.LinkedHashMap;
import java.util.Map;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.ResNetSpec;

/**
 * The torchvision names and torch shapes of a ResNet backbone ({@link ResNetSpec}), and the
 * inverse: which ResNet a set of named arrays is. Exporters check their input against this.
 */
public final class BackboneLayout {
  private BackboneLayout() {}

  /** Whether block {@code b} of stage {@code s} has a projection shortcut (torchvision's rule). */
  public static boolean hasDownsample(ResNetSpec spec, int s, int b) {
    int in = s == 0 ? spec.width() : spec.stageChannels(s - 1);
    return b == 0 && (s > 0 || in != spec.stageChannels(s));
  }

  /**
   * Every backbone tensor in torchvision state_dict order with its torch shape (conv [O,I,kh,kw],
   * BN [C]); fc.* and num_batches_tracked are not part of a backbone.
   */
  public static Map<String, long[]> torchShapes(ResNetSpec spec) {
    Map<String, long[]> m = new LinkedHashMap<>();
    int width = spec.width();
    boolean bottleneck = spec.block() == ResNetSpec.Block.BOTTLENECK;
    m.put("conv1.weight", new long[] {width, 3, 7, 7});
    putBn(m, "bn1", width);
    long in = width;
    for (int s = 0; s < 4; s++) {
      long planes = spec.planes(s);
      long out = spec.stageChannels(s);
      for (int b = 0; b < spec.blocks()[s]; b++) {
        String p = "layer" + (s + 1) + "." + b + ".";
        if (bottleneck) {
          m.put(p + "conv1.weight", new long[] {planes, in, 1, 1});
          putBn(m, p + "bn1", planes);
          m.put(p + "conv2.weight", new long[] {planes, planes, 3, 3});
          putBn(m, p + "bn2", planes);
          m.put(p + "conv3.weight", new long[] {out, planes, 1, 1});
          putBn(m, p + "bn3", out);
        } else {
          m.put(p + "conv1.weight", new long[] {planes, in, 3, 3});
          putBn(m, p + "bn1", planes);
          m.put(p + "conv2.weight", new long[] {planes, planes, 3, 3});
          putBn(m, p + "bn2", planes);
        }
        if (hasDownsample(spec, s, b)) {
          m.put(p + "downsample.0.weight", new long[] {out, in, 1, 1});
          putBn(m, p + "downsample.1", out);
        }
        in = out;
      }
    }
    return m;
  }

  /** Reads depth, block type and width from torchvision names and conv1's shape ({@link ResNetSpec#fromShapes}). */
  public static ResNetSpec infer(Map<String, NpyArray> torch) {
    return ResNetSpec.fromShapes(NpyArray.shapes(torch));
  }

  /** The depth in the architecture name: 50 for resnet50. */
  public static int depth(ResNetSpec spec) {
    return Integer.parseInt(spec.arch().substring("resnet".length()));
  }

  private static void putBn(Map<String, long[]> m, String prefix, long c) {
    for (String k : new String[] {"weight", "bias", "running_mean", "running_var"}) {
      m.put(prefix + "." + k, new long[] {c});
    }
  }
}
