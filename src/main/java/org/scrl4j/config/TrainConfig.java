package org.scrl4j.config;

/** Self-supervised pre-training. */
public record TrainConfig(
    boolean enabled,
    /** Train a stop-gradient linear classifier alongside, validated every valid_interval epochs. */
    boolean onlineEval,
    /** Images per process per step; the learning rate scales with the global batch / 256. */
    int batchSizeTrain,
    int batchSizeEval,
    int maxEpochs,
    int warmupEpochs,
    int validInterval,
    int snapshotInterval,
    /** Steps between TensorBoard scalars. */
    int tbInterval,
    /** Parallel calls of the input pipeline's map (0 = all cores). */
    int numWorkers,
    /** Base EMA momentum of the target network. */
    double m,
    /** Cap on steps per epoch (0 = the whole dataset): quick runs and tests. */
    int maxStepsPerEpoch,
    /**
     * End this run after epoch N (0 = at max_epochs) with its checkpoint: the schedules still span
     * max_epochs, so a later run without it resumes exactly where this one stopped. For time-sliced
     * jobs and for looking at a config's first epochs (the demo's band test).
     */
    int stopAtEpoch,
    /** Minutes between mid-epoch resume checkpoints (0 = only at epoch ends). */
    double checkpointMinutes,
    /**
     * float32 | mixed_bfloat16 (CPUs with AVX512-BF16 or AMX) | mixed_float16 (GPUs, with dynamic
     * loss scaling): convolutions and matrix products in the low precision, as torch's autocast.
     */
    String precision,
    /**
     * Accumulate batch-norm moments in float64, as torch's CPU kernel does (verify-step always
     * does); rows of W values are summed in float32 first, so x is read once (Float64Reduction).
     * float64 is slow on most GPUs: false sums in float32 (as cuDNN does). The cost on a CPU:
     * {@code tools/scrl bench --what step --bn_float64_moments true|false}.
     */
    boolean bnFloat64Moments,
    TrainOptimConfig optim) {

  public static TrainConfig defaults() {
    return new TrainConfig(true, true, 256, 2048, 200, 10, 5, 20, 1, 0, 0.97, 0, 0, 30.0, "float32",
        true, TrainOptimConfig.defaults());
  }
}
