package org.scrl4j.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.scrl4j.common.UserError;

/**
 * A torchvision ResNet variant: block type, blocks per stage, and base width (stem channels; 64
 * is the standard network, smaller widths scale every layer as the reference harness does: stage
 * i has {@code width * 2^i} planes, Bottleneck's inner width equals its planes).
 */
public record ResNetSpec(String arch, Block block, int[] blocks, int width) {

  /** The architectures {@link #of} knows. */
  public static final List<String> ARCHS = List.of("resnet18", "resnet34", "resnet50", "resnet101");

  /** BasicBlock (two 3x3 convs, expansion 1) or Bottleneck (1x1, 3x3 with the stride, 1x1; expansion 4). */
  public enum Block {
    BASIC(1), BOTTLENECK(4);

    public final int expansion;

    Block(int expansion) {
      this.expansion = expansion;
    }
  }

  public ResNetSpec {
    blocks = blocks.clone();
    if (blocks.length != 4) {
      throw new IllegalArgumentException("a ResNet has 4 stages, got " + Arrays.toString(blocks));
    }
    if (width < 1) {
      throw new UserError("ResNet width must be >= 1, got " + width);
    }
  }

  public static ResNetSpec of(String arch) {
    return of(arch, 64);
  }

  /** resnet18, resnet34, resnet50 or resnet101 with the given base width. */
  public static ResNetSpec of(String arch, int width) {
    String a = arch.toLowerCase(Locale.ROOT);
    return switch (a) {
      case "resnet18" -> new ResNetSpec(a, Block.BASIC, new int[] {2, 2, 2, 2}, width);
      case "resnet34" -> new ResNetSpec(a, Block.BASIC, new int[] {3, 4, 6, 3}, width);
      case "resnet50" -> new ResNetSpec(a, Block.BOTTLENECK, new int[] {3, 4, 6, 3}, width);
      case "resnet101" -> new ResNetSpec(a, Block.BOTTLENECK, new int[] {3, 4, 23, 3}, width);
      default -> throw new UserError("unknown architecture '" + arch
          + "'; use resnet18, resnet34, resnet50 or resnet101");
    };
  }

  /**
   * The ResNet a torchvision state_dict is, from its names and conv1's shape: Bottleneck when
   * layer1.0 has a conv3, blocks per stage by counting {@code layer<s>.<b>.conv1}, the width from
   * conv1's output channels. Other keys (heads, {@code target.*}, inputs) are ignored, so a whole
   * reference case or checkpoint can be passed as it is.
   *
   * @param torchShapes torchvision names to torch shapes (conv [O, I, kh, kw])
   */
  public static ResNetSpec fromShapes(Map<String, long[]> torchShapes) {
    long[] conv1 = torchShapes.get("conv1.weight");
    if (conv1 == null || conv1.length != 4) {
      throw new UserError("weights have no 4-d 'conv1.weight': not a torchvision ResNet backbone");
    }
    boolean bottleneck = torchShapes.containsKey("layer1.0.conv3.weight");
    int[] counted = new int[4];
    for (int s = 0; s < 4; s++) {
      while (torchShapes.containsKey("layer" + (s + 1) + "." + counted[s] + ".conv1.weight")) {
        counted[s]++;
      }
    }
    for (String arch : ARCHS) {
      ResNetSpec spec = of(arch, (int) conv1[0]);
      if ((spec.block == Block.BOTTLENECK) == bottleneck && Arrays.equals(spec.blocks, counted)) {
        return spec;
      }
    }
    throw new UserError("weights are a ResNet with " + Arrays.toString(counted)
        + (bottleneck ? " bottleneck" : " basic") + " blocks, not one of " + ARCHS);
  }

  @Override
  public int[] blocks() {
    return blocks.clone();
  }

  /** Planes of stage {@code i} (0-based): width * 2^i. */
  public int planes(int stage) {
    return width << stage;
  }

  /** Channels of stage {@code i}'s output. */
  public int stageChannels(int stage) {
    return planes(stage) * block.expansion;
  }

  /** Channels of the pooled feature (2048 for ResNet-50/101, 512 for ResNet-18/34). */
  public int featureDim() {
    return stageChannels(3);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResNetSpec s && s.arch.equals(arch) && s.block == block
        && Arrays.equals(s.blocks, blocks) && s.width == width;
  }

  @Override
  public int hashCode() {
    return arch.hashCode() * 31 + width;
  }

  @Override
  public String toString() {
    return arch + (width == 64 ? "" : " (width " + width + ")");
  }
}
