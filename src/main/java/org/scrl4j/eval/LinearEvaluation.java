package org.scrl4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.Progress;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.Pipelines;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.ParamStore;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The offline linear protocol (SPEC "Evaluation"): a new Linear(C, classes) on frozen features
 * ({@link LinearProbe}) trained with LARS on warm-up + cosine, validated every
 * {@code eval.valid_interval} epochs and at the end; reports last and max top-1. This class is
 * the loop; what the probe reads is a {@link ProbeFeatures}, how its batches arrive a
 * {@link TrainingBatches}.
 *
 * <p>With {@code eval.cached_features} the features of centre crops are computed once
 * ({@link FeatureCache}) and the head trains on them (no augmentation): the same head and
 * optimiser, many times faster on a CPU; {@code eval.standardize_features} then z-scores each
 * dimension with the training set's statistics.
 *
 * <p>{@link #runOnRandomInit} and {@link #runOnPixels} are the same probe on an untrained backbone
 * and on the flattened normalised input images: the baselines a learned representation has to beat.
 */
public final class LinearEvaluation {
  private static final Logger log = LogManager.getLogger(LinearEvaluation.class);

  public record Outcome(double lastTop1, double maxTop1, int maxEpoch, int epochs) {}

  private LinearEvaluation() {}

  /**
   * The probe on a pre-trained backbone.
   *
   * <p>With several replicas every rank uses rank 0's backbone (broadcast in the graph, as
   * pre-training does), so only rank 0 needs the weights: a checkpoint only rank 0 can read
   * evaluates without a shared folder.
   *
   * @param backbone the online backbone's variables by full TF name ("online/backbone/..."), e.g.
   *     a checkpoint's weights; may be null on ranks other than 0
   */
  public static Outcome run(Config cfg, DistContext dist, ImageSource train, ImageSource val,
      Map<String, NpyArray> backbone) {
    if (dist.isChief() || dist.world() == 1) {
      Objects.requireNonNull(backbone, "backbone weights");
    }
    return evaluate(cfg, dist, train, val, store -> backbone != null
        ? ProbeFeatures.pretrained(store, cfg, backbone)
        : ProbeFeatures.fromChief(store, cfg));
  }

  /** The same probe on a randomly initialised backbone of the same architecture (config seed). */
  public static Outcome runOnRandomInit(Config cfg, DistContext dist, ImageSource train,
      ImageSource val) {
    return evaluate(cfg, dist, train, val, store -> ProbeFeatures.randomInit(store, cfg));
  }

  /** The same probe, protocol and settings on the raw pixels (input_size^2 x 3 per image). */
  public static Outcome runOnPixels(Config cfg, DistContext dist, ImageSource train, ImageSource val) {
    return evaluate(cfg, dist, train, val, store -> ProbeFeatures.pixels(cfg));
  }

  private static Outcome evaluate(Config cfg, DistContext dist, ImageSource train, ImageSource val,
      Function<ParamStore, ProbeFeatures> reading) {
    if (train.numClasses() == 0 || val.numClasses() == 0) {
      throw new UserError("linear evaluation needs labelled images; " + train.split() + " or "
          + val.split() + " has none (set --eval/enabled=false to skip it)");
    }
    try (Graph graph = new Graph()) {
      Ops tf = dist.place(Ops.create(graph));
      ParamStore store = new ParamStore(tf);
      ProbeFeatures features = reading.apply(store);
      Collectives collectives = dist.world() > 1 ? dist.collectives(tf) : null;
      int size = cfg.augment().inputSize();
      int batch = cfg.eval().batchSizeTrain();
      int workers = cfg.eval().numWorkers();
      ForwardContext inference = ForwardContext.inference(tf);

      TrainingBatches batches = cfg.eval().cachedFeatures()
          ? new CachedBatches(tf, FeatureCache.Pass.of(tf, evaluationInput(tf, "train_cache_input",
              train, cfg, dist), features, inference.in("train_cache")), features.dim(), batch,
              train.size(), dist.world(), cfg.seed(), dist.rank())
          : new AugmentedBatches(tf, Pipelines.linearEvalTraining(tf.withSubScope("train_input"),
              train, size, ExperimentSpec.trainingReads(cfg, batch, workers, dist.rank(),
                  dist.world())), features, inference.in("train"));
      FeatureCache.Pass valPass = FeatureCache.Pass.of(tf, evaluationInput(tf, "val_input", val, cfg,
          dist), features, inference.in("val"));
      LinearProbe probe = new LinearProbe(tf, store, cfg, dist, collectives, features.dim(),
          train.numClasses(), batches.features(), batches.labels(), batches.stepsPerEpoch());
      FeatureCache cache = new FeatureCache(tf, dist, collectives, features.dim(),
          cfg.eval().standardizeFeatures());
      // Rank 0's backbone on every rank: the others may not have read it (bit-exact, x + 0).
      Op fromChief = collectives != null && features instanceof ProbeFeatures.Backbone
          ? collectives.assignFromChief(store.in(ProbeFeatures.BACKBONE_SCOPE).stream()
              .map(ParamStore.Param::variable).toList())
          : null;

      try (Session session = dist.newSession(graph)) {
        store.initialize(session, cfg.seed());
        probe.initialize(session);
        features.load(store, session);
        if (fromChief != null) {
          dist.run(() -> {
            session.runner().addTarget(fromChief).run().close();
            return null;
          });
          // Only rank 0 writes results, so this line is how another rank shows what it probed.
          log.info("rank {}: probed backbone sha256 {}", dist.rank(), backboneDigest(store, session));
        }
        FeatureSet valSet = cache.collect(session, valPass, "validation");
        if (batches instanceof CachedBatches cached) {
          FeatureSet trainSet = cache.collect(session, cached.source(), "training images (cached)");
          if (cfg.eval().standardizeFeatures()) {
            FeatureSet.Standardizer z = cache.standardizer(session, trainSet);
            trainSet = z.apply(trainSet);
            valSet = z.apply(valSet);
          }
          cached.use(trainSet);
        }
        return train(cfg, dist, session, probe, batches, valSet);
      }
    }
  }

  /** {@link Npz#sha256} of the backbone variables as a checkpoint holds them (name, TF layout). */
  static String backboneDigest(ParamStore store, Session session) {
    List<ParamStore.Param> params = store.in(ProbeFeatures.BACKBONE_SCOPE);
    Map<String, float[]> values = store.read(session, params);
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    for (ParamStore.Param p : params) {
      arrays.put(p.name(), NpyArray.of(values.get(p.name()), p.dims()));
    }
    return Npz.sha256(arrays);
  }

  /** A centre-crop pass over a split (validation, or the training split for the cache). */
  private static InputPipeline evaluationInput(Ops tf, String scope,
      ImageSource source, Config cfg, DistContext dist) {
    return Pipelines.evaluation(tf.withSubScope(scope), source, cfg.augment().inputSize(),
        cfg.augment().centerCropPad(), ExperimentSpec.evaluationReads(cfg,
            cfg.eval().batchSizeEval(), cfg.eval().numWorkers(), dist.rank(), dist.world()));
  }

  /** The epochs: train on every batch, validate at the interval and at the end. */
  private static Outcome train(Config cfg, DistContext dist, Session session, LinearProbe probe,
      TrainingBatches batches, FeatureSet valSet) {
    int epochs = cfg.eval().maxEpochs();
    int batch = cfg.eval().batchSizeTrain();
    long steps = batches.stepsPerEpoch();
    double last = Double.NaN;
    double max = Double.NaN;
    int maxEpoch = 0;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      batches.startEpoch(session, epoch);
      Progress progress = Progress.forEpoch(String.format("linear eval %d/%d", epoch, epochs), steps,
          (long) batch * dist.world(), (epochs - epoch) * steps);
      for (long i = 0; i < steps; i++) {
        Session.Runner r = probe.step(session);
        List<Tensor> fed = batches.feed(r, i);
        try (Result res = dist.run(r::run)) {
          Map<String, Object> fields = new LinkedHashMap<>();
          fields.put("loss", (double) ((TFloat32) res.get(0)).getFloat());
          fields.put("acc", 100.0 * ((TFloat32) res.get(1)).getFloat());
          fields.put("lr", (double) ((TFloat32) res.get(2)).getFloat());
          progress.update(i + 1, fields);
        } catch (RuntimeException e) {
          throw batches.explain(session, e);
        } finally {
          fed.forEach(Tensor::close);
        }
      }
      progress.close();
      batches.endEpoch(session);
      if (epoch % cfg.eval().validInterval() == 0 || epoch == epochs) {
        last = probe.top1(session, valSet);
        if (!(max >= last)) {
          max = last;
          maxEpoch = epoch;
        }
        log.info("linear eval epoch {}: top-1 {} % (max {} % at epoch {})", epoch,
            String.format("%.2f", last), String.format("%.2f", max), maxEpoch);
      }
    }
    return new Outcome(last, max, maxEpoch, epochs);
  }
}
