package org.scrl4j.method;

import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.data.PipelineOptions;
import org.scrl4j.data.augment.AugmentParams;
import org.scrl4j.data.augment.AugmentType;
import org.scrl4j.data.boxes.BoxParams;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.optim.LarsGrouping;

/**
 * The one place where config values become the parameters of the model, augmentation, box
 * generator, input reading and optimiser, so every command (train, eval, export, demo) builds the same thing.
 */
public final class ExperimentSpec {
  private ExperimentSpec() {}

  public static ResNetSpec arch(Config c) {
    ResNetSpec spec = ResNetSpec.of(c.network().name(), c.network().width());
    if (c.network().projHead().inputSize() != spec.featureDim()) {
      throw new UserError("network/proj_head/input_size is " + c.network().projHead().inputSize()
          + " but " + c.network().name() + " with width " + c.network().width() + " gives "
          + spec.featureDim() + " features; set --network/proj_head/input_size=" + spec.featureDim());
    }
    return spec;
  }

  public static ByolNetwork.HeadSpec heads(Config c) {
    return new ByolNetwork.HeadSpec(c.network().projHead().hiddenSize(),
        c.network().projHead().outputSize());
  }

  public static PretrainStep.Method method(Config c) {
    return c.network().scrl().enabled() ? PretrainStep.Method.SCRL : PretrainStep.Method.BYOL;
  }

  public static LarsGrouping grouping(Config c) {
    return LarsGrouping.parse(c.train().optim().quirks());
  }

  public static AugmentParams augment(Config c) {
    var a = c.augment();
    AugmentParams d = AugmentParams.defaults();
    return new AugmentParams(AugmentType.parse(a.type()), a.inputSize(), a.cropScale().get(0),
        a.cropScale().get(1), a.flipProb(), a.colorJitterProb(), d.brightness(), d.contrast(),
        d.saturation(), d.hue(), a.grayscaleProb(), a.blurProb().get(0), a.blurProb().get(1),
        a.solarizeProb().get(0), a.solarizeProb().get(1));
  }

  public static BoxParams boxes(Config c) {
    var s = c.network().scrl();
    if (!s.enabled()) {
      // BYOL ignores the boxes the shared pipeline still draws: any valid setting will do, and
      // SCRL-only keys must not reject a BYOL run (e.g. min_size 32 with 32 px crops).
      int size = c.augment().inputSize();
      return new BoxParams(size, Math.max(1, Math.min(s.minSize(), size / 2)), 1, 0.5, true,
          BoxParams.defaults().tries(), false, 0.1);
    }
    if (s.samplingRatio() != -1 || s.detectronAligned() || s.spatialScale() != 1.0 / 32) {
      throw new UserError("network/scrl: only sampling_ratio -1, spatial_scale 0.03125 and "
          + "detectron_aligned false (the paper setting) are wired into the training step");
    }
    return new BoxParams(c.augment().inputSize(), s.minSize(), s.numPatchesPerImage(),
        s.iouThreshold(), s.gridBasedBoxGen(), BoxParams.defaults().tries(), s.boxJittering(),
        s.jitteringRatio());
  }

  /** Global batch over every replica; learning rates scale with it / 256 (SPEC). */
  public static int globalBatch(Config c, int batchPerReplica) {
    return batchPerReplica * c.worldSize();
  }

  /** Parallel map calls: the config's num_workers, or every core. */
  public static int parallelCalls(int numWorkers) {
    return numWorkers > 0 ? numWorkers : Runtime.getRuntime().availableProcessors();
  }

  /**
   * How this process reads a training split (reshuffled from the run seed, full batches):
   * {@code batch} per process, rank of world, dataset/skip_corrupt, {@code numWorkers} map calls.
   */
  public static PipelineOptions trainingReads(Config c, int batch, int numWorkers, int rank,
      int world) {
    return PipelineOptions.training(batch, rank, world, c.seed())
        .withSkipCorrupt(c.dataset().skipCorrupt()).withParallelCalls(parallelCalls(numWorkers));
  }

  /** How this process reads a split for evaluation (index order, every image once). */
  public static PipelineOptions evaluationReads(Config c, int batch, int numWorkers, int rank,
      int world) {
    return PipelineOptions.evaluation(batch, rank, world)
        .withSkipCorrupt(c.dataset().skipCorrupt()).withParallelCalls(parallelCalls(numWorkers));
  }
}
