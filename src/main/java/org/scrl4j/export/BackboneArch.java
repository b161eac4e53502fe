package org.scrl4j.export;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.scrl4j.UserError;

/**
 * Shape of a torchvision ResNet backbone: block type, blocks per stage and stem width (64 for the
 * standard networks; smaller widths narrow every stage, stage i having width * 2^i planes).
 */
public record BackboneArch(String name, boolean bottleneck, int[] blocks, int width) {
  private static final Map<String, BackboneArch> STANDARD = new LinkedHashMap<>();

  static {
    for (BackboneArch a :
        new BackboneArch[] {
          new BackboneArch("resnet18", false, new int[] {2, 2, 2, 2}, 64),
          new BackboneArch("resnet34", false, new int[] {3, 4, 6, 3}, 64),
          new BackboneArch("resnet50", true, new int[] {3, 4, 6, 3}, 64),
          new BackboneArch("resnet101", true, new int[] {3, 4, 23, 3}, 64),
          new BackboneArch("resnet152", true, new int[] {3, 8, 36, 3}, 64)
        }) {
      STANDARD.put(a.name, a);
    }
  }

  /** The architecture called {@code name} (resnet18/34/50/101/152) with the given stem width. */
  public static BackboneArch of(String name, int width) {
    BackboneArch a = STANDARD.get(name);
    if (a == null) {
      throw new UserError("unknown architecture '" + name + "'; use one of " + STANDARD.keySet());
    }
    if (width <= 0) {
      throw new UserError("network width " + width + " must be positive (64 is the standard ResNet)");
    }
    return new BackboneArch(name, a.bottleneck, a.blocks, width);
  }

  /** Reads depth, block type and width from torchvision parameter names and conv1's shape. */
  public static BackboneArch infer(Map<String, FloatArray> torch) {
    FloatArray conv1 = torch.get("conv1.weight");
    if (conv1 == null || conv1.rank() != 4) {
      throw new UserError("weights have no 4-d 'conv1.weight': not a torchvision ResNet backbone");
    }
    boolean bottleneck = torch.containsKey("layer1.0.conv3.weight");
    int[] blocks = new int[4];
    for (int s = 0; s < 4; s++) {
      while (torch.containsKey("layer" + (s + 1) + "." + blocks[s] + ".conv1.weight")) {
        blocks[s]++;
      }
    }
    for (BackboneArch a : STANDARD.values()) {
      if (a.bottleneck == bottleneck && Arrays.equals(a.blocks, blocks)) {
        return new BackboneArch(a.name, bottleneck, blocks, (int) conv1.shape()[0]);
      }
    }
    throw new UserError("weights are a ResNet with " + Arrays.toString(blocks)
        + (bottleneck ? " bottleneck" : " basic") + " blocks, which is no torchvision ResNet");
  }

  public static Set<String> names() {
    return STANDARD.keySet();
  }

  public int expansion() {
    return bottleneck ? 4 : 1;
  }

  /** Channels of stage {@code s} (0..3, = layer s+1 = C(s+2)) output. */
  public int outChannels(int s) {
    return planes(s) * expansion();
  }

  /** Inner width of the blocks of stage {@code s}. */
  public int planes(int s) {
    return width << s;
  }

  /** Channels of the pooled feature. */
  public int featureDim() {
    return outChannels(3);
  }

  /** Whether block {@code b} of stage {@code s} has a projection shortcut (torchvision's rule). */
  public boolean hasDownsample(int s, int b) {
    if (b != 0) {
      return false;
    }
    int in = s == 0 ? width : outChannels(s - 1);
    return s > 0 || in != outChannels(s);
  }

  /**
   * Every backbone tensor in torchvision state_dict order with its torch shape (conv [O,I,kh,kw],
   * BN [C]); fc.* and num_batches_tracked are not part of a backbone.
   */
  public Map<String, long[]> torchShapes() {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put("conv1.weight", new long[] {width, 3, 7, 7});
    putBn(m, "bn1", width);
    int in = width;
    for (int s = 0; s < 4; s++) {
      int planes = planes(s);
      for (int b = 0; b < blocks[s]; b++) {
        String p = "layer" + (s + 1) + "." + b + ".";
        if (bottleneck) {
          m.put(p + "conv1.weight", new long[] {planes, in, 1, 1});
          putBn(m, p + "bn1", planes);
          m.put(p + "conv2.weight", new long[] {planes, planes, 3, 3});
          putBn(m, p + "bn2", planes);
          m.put(p + "conv3.weight", new long[] {planes * 4L, planes, 1, 1});
          putBn(m, p + "bn3", planes * 4);
        } else {
          m.put(p + "conv1.weight", new long[] {planes, in, 3, 3});
          putBn(m, p + "bn1", planes);
          m.put(p + "conv2.weight", new long[] {planes, planes, 3, 3});
          putBn(m, p + "bn2", planes);
        }
        if (hasDownsample(s, b)) {
          m.put(p + "downsample.0.weight", new long[] {outChannels(s), in, 1, 1});
          putBn(m, p + "downsample.1", outChannels(s));
        }
        in = outChannels(s);
      }
    }
    return m;
  }

  private static void putBn(Map<String, long[]> m, String prefix, long c) {
    for (String k : new String[] {"weight", "bias", "running_mean", "running_var"}) {
      m.put(prefix + "." + k, new long[] {c});
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BackboneArch a && a.name.equals(name) && a.width == width;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + width;
  }

  @Override
  public String toString() {
    return width == 64 ? name : name + " (width " + width + ")";
  }
}
