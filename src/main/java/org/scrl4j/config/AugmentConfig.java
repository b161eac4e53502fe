package org.scrl4j.config;

import java.util.List;

/** The two-view augmentation chain (SPEC "Augmentation"); per-view lists are [view 1, view 2]. */
public record AugmentConfig(
    /** simclr (the paper chain), simple (crop + flip), none (evaluation transform). */
    String type,
    int inputSize,
    List<Double> cropScale,
    double flipProb,
    double colorJitterProb,
    double grayscaleProb,
    List<Double> blurProb,
    List<Double> solarizeProb,
    /**
     * Evaluation images: resize the shorter side to input_size + this, then centre-crop
     * input_size. The original's 32 (256 for 224 px); small images want 0 (the whole image).
     */
    int centerCropPad) {

  public static AugmentConfig defaults() {
    return new AugmentConfig("simclr", 224, List.of(0.2, 1.0), 0.5, 0.8, 0.2,
        List.of(1.0, 0.1), List.of(0.0, 0.2), 32);
  }
}
