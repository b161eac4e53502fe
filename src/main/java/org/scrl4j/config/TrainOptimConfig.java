package org.scrl4j.config;

/** LARS for pre-training. */
public record TrainOptimConfig(
    double lr,
    double momentum,
    double weightDecay,
    /**
     * reference: the original's parameter grouping and doubled learning rate on excluded tensors
     * (its published numbers depend on them); clean: every BN parameter and bias excluded, lr once.
     */
    String quirks) {

  public static TrainOptimConfig defaults() {
    return new TrainOptimConfig(0.45, 0.9, 1e-6, "reference");
  }
}
