package org.scrl4j.config;

/** Offline linear evaluation after pre-training (or alone with train/enabled=false). */
public record EvalConfig(
    boolean enabled,
    /** Fine-tune the backbone too; only the linear protocol (false) is implemented, as in the original. */
    boolean finetune,
    int maxEpochs,
    int warmupEpochs,
    int validInterval,
    int batchSizeTrain,
    int batchSizeEval,
    int numWorkers,
    /**
     * Train the probe on features computed once from centre crops (no augmentation): much faster on
     * small machines, slightly different from the paper protocol.
     */
    boolean cachedFeatures,
    /**
     * With cached features: shift and scale every feature dimension to zero mean and unit variance
     * over the training images before the probe sees it (the same affine map on the validation
     * features). Backbones put features on very different scales; a short probe then measures the
     * scale as much as the representation.
     */
    boolean standardizeFeatures,
    EvalOptimConfig optim) {

  public static EvalConfig defaults() {
    return new EvalConfig(true, false, 80, 5, 5, 128, 2048, 0, false, false, EvalOptimConfig.defaults());
  }
}
