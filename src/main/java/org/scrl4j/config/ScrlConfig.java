package org.scrl4j.config;

/** SCRL's box sampling and RoI pooling; {@code enabled: false} trains plain BYOL. */
public record ScrlConfig(
    boolean enabled,
    int numPatchesPerImage,
    double iouThreshold,
    boolean boxJittering,
    double jitteringRatio,
    boolean gridBasedBoxGen,
    int minSize,
    int poolSize,
    double spatialScale,
    int samplingRatio,
    boolean detectronAligned) {

  public static ScrlConfig defaults() {
    return new ScrlConfig(true, 10, 0.5, false, 0.1, true, 32, 1, 0.03125, -1, false);
  }
}
