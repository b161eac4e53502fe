package org.scrl4j.optim;

import java.util.regex.Pattern;

/**
 * Which parameters LARS adapts (trust ratio + weight decay) and which it leaves alone ("excluded").
 * Parameter names are torchvision state_dict names ({@code bn1.weight},
 * {@code layer1.0.downsample.1.bias}, {@code projector.net.1.weight}, ...) plus
 * {@code evaluator.linear.weight}/{@code evaluator.linear.bias} for the online linear evaluator.
 */
public enum LarsGrouping {
  /**
   * The original implementation's grouping, reproduced for the paper configs: a parameter is
   * excluded when ITS name (see {@link #originalName}) contains "bn" or "bias". The stem batch norm
   * ({@code encoder.1.*}), the downsample batch norms ({@code ...downsample.1.*}) and the head batch
   * norms ({@code net.1.*}) have no "bn" in their names, so their gammas stay adapted and decayed.
   * Excluded tensors get the group lr applied twice: their step is {@code lr^2 * g}.
   */
  REFERENCE,
  /** Every batch-norm parameter and every bias excluded; excluded tensors step {@code lr * g}. */
  CLEAN,
  /** Every tensor adapted (the offline linear evaluation's LARS). */
  NONE;

  private static final Pattern BATCH_NORM_PARAM = Pattern.compile(
      "(^|.*\\.)(bn\\d+|downsample\\.1|net\\.1)\\.(weight|bias)$");

  /** Parses "reference" / "clean" / "none" (any case). */
  public static LarsGrouping parse(String s) {
    for (LarsGrouping g : values()) {
      if (g.name().equalsIgnoreCase(s)) {
        return g;
      }
    }
    throw new org.scrl4j.common.UserError("unknown LARS grouping '" + s + "'; use reference or clean");
  }

  /** True when LARS leaves this parameter unadapted and undecayed. */
  public boolean excludes(String name) {
    return switch (this) {
      case REFERENCE -> {
        String original = originalName(name);
        yield original.contains("bn") || original.contains("bias");
      }
      case CLEAN -> isBatchNormParam(name) || name.endsWith(".bias");
      case NONE -> false;
    };
  }

  /**
   * The step an excluded tensor takes, as a multiple of g before the SGD lr: the original applies
   * the group lr once in its LARS wrapper and once more in SGD.
   */
  public boolean excludedGradientScaledByLr() {
    return this == REFERENCE;
  }

  /** Batch-norm gamma/beta in torchvision/scrl4j naming (backbone bnK, downsample.1, head net.1). */
  public static boolean isBatchNormParam(String name) {
    return BATCH_NORM_PARAM.matcher(name).matches();
  }

  /**
   * The name the original implementation gives a parameter. Its backbone is
   * {@code Sequential(*resnet.children()[:-1])} under {@code encoder}: conv1 -> encoder.0, bn1 ->
   * encoder.1, layer1..4 -> encoder.4..7; heads keep {@code projector.net.*} /
   * {@code net.*} (predictor, a top-level module); the evaluator's {@code evaluator.linear.*} is
   * {@code linear.*}.
   */
  public static String originalName(String name) {
    String[] parts = name.split("\\.", 2);
    String rest = parts.length > 1 ? "." + parts[1] : "";
    return switch (parts[0]) {
      case "conv1" -> "encoder.0" + rest;
      case "bn1" -> "encoder.1" + rest;
      case "layer1" -> "encoder.4" + rest;
      case "layer2" -> "encoder.5" + rest;
      case "layer3" -> "encoder.6" + rest;
      case "layer4" -> "encoder.7" + rest;
      case "predictor" -> rest.substring(1);
      case "evaluator" -> rest.substring(1);
      default -> name;
    };
  }
}
