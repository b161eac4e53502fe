package org.scrl4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.checkpoint.RunDirectory;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigPrinter;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.ImageSources;
import org.scrl4j.data.Split;
import org.scrl4j.dist.DistContext;
import org.scrl4j.eval.LinearEvaluation;
import org.scrl4j.io.NpyArray;

/**
 * A whole run as the original's main.py: pre-training (resumed when save_dir has a checkpoint),
 * then the offline linear evaluation, with the final lines in the log and in log_result.txt.
 * {@code train.enabled=false} evaluates the newest checkpoint of load_dir alone.
 */
public final class Experiment {
  private static final Logger log = LogManager.getLogger(Experiment.class);

  /** What a run reports at the end. */
  public record Result(Path saveDir, Pretraining.Outcome pretraining,
      LinearEvaluation.Outcome linear) {}

  private Experiment() {}

  public static Result run(Config cfg, String configName, DistContext dist) throws IOException {
    // Open the data first: a missing or empty dataset should not leave a new run folder behind.
    ImageSource train = source(cfg, Split.TRAIN);
    ImageSource val = cfg.train().onlineEval() || cfg.eval().enabled() ? optionalVal(cfg) : null;
    Path saveDir = saveDir(cfg, configName, dist);
    Path loadDir = cfg.loadDir() != null ? Path.of(cfg.loadDir()) : saveDir;
    try (RunLogFile logFile = RunLogFile.attachToRun(saveDir, dist.rank())) {
      if (dist.isChief()) {
        RunDirectory.open(saveDir).writeConfig(ConfigPrinter.toYaml(cfg));
      }
      log.info("run folder {} ({} {} on {}, seed {})", saveDir, cfg.method().toUpperCase(),
          cfg.network().name(), cfg.dataset().root(), cfg.seed());

      Pretraining.Outcome pre = null;
      Map<String, NpyArray> weights = null;
      if (cfg.train().enabled()) {
        try (Pretraining p = new Pretraining(cfg, dist, train, val, saveDir, loadDir)) {
          pre = p.run();
          weights = cfg.eval().enabled() ? p.weights() : null;
        }
        if (!Double.isNaN(pre.bestTop1()) && pre.bestEpoch() > 0) {
          result(dist, saveDir, String.format("[pre-training] epochs %d, online linear top-1 last %.2f %%,"
              + " best %.2f %% (epoch %d)", pre.epochs(), pre.lastTop1(), pre.bestTop1(), pre.bestEpoch()));
        } else {
          result(dist, saveDir, String.format("[pre-training] epochs %d, global step %d", pre.epochs(),
              pre.globalStep()));
        }
      }
      LinearEvaluation.Outcome linear = null;
      boolean stoppedEarly = pre != null && pre.epochs() < cfg.train().maxEpochs();
      if (cfg.eval().enabled() && stoppedEarly) {
        log.info("linear evaluation waits for the end of pre-training (epoch {} of {}); to evaluate this"
            + " checkpoint now: --train/enabled=False --load_dir {}", pre.epochs(), cfg.train().maxEpochs(), saveDir);
      } else if (cfg.eval().enabled()) {
        if (weights == null) {
          weights = chiefCheckpointWeights(cfg, dist, loadDir);
        }
        if (val == null) {
          throw new UserError("linear evaluation needs a validation split in " + cfg.dataset().root()
              + " (validation-*-of-* shards or val/<class>/ folders); or set --eval/enabled=false");
        }
        linear = LinearEvaluation.run(cfg, dist, train, val, weights);
        result(dist, saveDir, String.format("[linear evaluation] %s, %d epochs: top-1 last %.2f %%, "
                + "max %.2f %% (epoch %d)", cfg.eval().cachedFeatures() ? "cached features" : "augmented",
            linear.epochs(), linear.lastTop1(), linear.maxTop1(), linear.maxEpoch()));
      }
      return new Result(saveDir, pre, linear);
    }
  }

  /**
   * Linear evaluation alone: rank 0 reads the newest checkpoint of load_dir; the other ranks get
   * its backbone through LinearEvaluation's broadcast (null here), as pre-training does, so
   * load_dir need not be shared. Rank 0's failure to read it stops the others too (one line
   * each) instead of leaving them waiting for it.
   */
  private static Map<String, NpyArray> chiefCheckpointWeights(Config cfg, DistContext dist,
      Path loadDir) throws IOException {
    Map<String, NpyArray> weights = null;
    UserError refused = null;
    if (dist.isChief()) {
      try {
        Checkpoint c = CheckpointStore.requireLatest(loadDir);
        c.state().requireCompatible(cfg.network().name(), cfg.network().width(), cfg.method(), c.dir());
        log.info("linear evaluation of {}", c.dir());
        weights = c.readWeights();
      } catch (UserError e) {
        refused = e;
      }
    }
    boolean chiefHasThem = dist.chiefValues(refused == null ? 1 : 0)[0] == 1;
    if (refused != null) {
      throw refused;
    }
    if (!chiefHasThem) {
      throw new UserError("rank 0 cannot read a checkpoint in its load_dir (its log says why);"
          + " rank " + dist.rank() + " stops with it");
    }
    return weights;
  }

  private static void result(DistContext dist, Path saveDir, String line) throws IOException {
    log.info(line);
    if (dist.isChief()) {
      RunDirectory.open(saveDir).appendResult(line);
    }
  }

  /** --save_dir, or runs/<config>_NNN (numbered, new) for single-process runs. */
  static Path saveDir(Config cfg, String configName, DistContext dist) {
    if (cfg.saveDir() != null) {
      Path p = Path.of(cfg.saveDir());
      try {
        Files.createDirectories(p);
      } catch (IOException e) {
        throw new UserError("cannot create save_dir " + p + ": " + e.getMessage());
      }
      return p;
    }
    if (dist.world() > 1) {
      // Ranks must agree on one folder and resume from the same checkpoint.
      throw new UserError("runs on several processes need --save_dir (a path every machine can "
          + "read: all ranks resume from its checkpoint_last)");
    }
    return RunDirectory.createNumbered(RunDirectory.DEFAULT_ROOT, configName).path();
  }

  /** The split of dataset/root, limited to max_images / max_eval_images spread over it. */
  public static ImageSource source(Config cfg, Split split) {
    if (cfg.dataset().root() == null) {
      throw new UserError("no dataset: set dataset/root in the config or pass --dataset/root DIR "
          + "(TFRecord shards train-*-of-* / validation-*-of-*, or train/<class>/*.JPEG folders; "
          + "tools/scrl convert makes shards)");
    }
    ImageSource s = ImageSources.open(Path.of(cfg.dataset().root()), cfg.dataset().format(), split);
    if (s.size() == 0) {
      throw new UserError("the " + split + " split of " + cfg.dataset().root() + " has no images");
    }
    int limit = split == Split.TRAIN ? cfg.dataset().maxImages() : cfg.dataset().maxEvalImages();
    return ImageSources.spread(s, limit);
  }

  private static ImageSource optionalVal(Config cfg) {
    try {
      return source(cfg, Split.VALIDATION);
    } catch (UserError e) {
      log.warn("no validation images ({}): online evaluation is off", e.getMessage());
      return null;
    }
  }

}
