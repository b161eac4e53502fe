package org.scrl4j.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.Progress;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.InputErrors;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.PipelineOptions;
import org.scrl4j.data.SingleViewTransform;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.io.NpyArray;
import org.scrl4j.loss.EvaluatorLoss;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.LinearClassifier;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNet;
import org.scrl4j.model.TensorValues;
import org.scrl4j.optim.Gradients;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsOptimizer;
import org.scrl4j.optim.LrSchedule;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The offline linear protocol (SPEC "Evaluation"): a new Linear(C, classes) on frozen features
 * (inference-mode BN) trained with LARS (every tensor adapted, Nesterov, wd 0), warm-up + cosine,
 * validated every {@code eval.valid_interval} epochs and at the end; reports last and max top-1.
 *
 * <p>With {@code eval.cached_features} the features of centre crops are computed once and the head
 * trains on them (no augmentation): the same head and optimiser, many times faster on a CPU;
 * {@code eval.standardize_features} then z-scores each dimension with the training set's statistics.
 *
 * <p>{@link #runOnPixels} is the same probe on the flattened normalised input images instead of
 * backbone features: the baseline a learned representation has to beat.
 */
public final class LinearEvaluation {
  private static final Logger log = LogManager.getLogger(LinearEvaluation.class);

  public record Outcome(double lastTop1, double maxTop1, int maxEpoch, int epochs) {}

  /** What the probe reads. */
  private enum Input { BACKBONE, PIXELS }

  private LinearEvaluation() {}

  /**
   * @param backbone the online backbone's variables by full TF name ("online/backbone/..."), e.g.
   *     a checkpoint's weights; null evaluates a randomly initialised backbone (seeded by the config)
   */
  public static Outcome run(Config cfg, DistContext dist, ImageSource train, ImageSource val,
      Map<String, NpyArray> backbone) {
    return run(cfg, dist, train, val, backbone, Input.BACKBONE);
  }

  /** The same probe, protocol and settings on the raw pixels (input_size^2 x 3 per image). */
  public static Outcome runOnPixels(Config cfg, DistContext dist, ImageSource train, ImageSource val) {
    return run(cfg, dist, train, val, null, Input.PIXELS);
  }

  private static Outcome run(Config cfg, DistContext dist, ImageSource train, ImageSource val,
      Map<String, NpyArray> backbone, Input input) {
    if (train.numClasses() == 0 || val.numClasses() == 0) {
      throw new UserError("linear evaluation needs labelled images; " + train.split() + " or "
          + val.split() + " has none (set --eval/enabled=false to skip it)");
    }
    try (Graph graph = new Graph()) {
      Ops tf = dist.place(Ops.create(graph));
      return new Run(cfg, dist, graph, tf, train, val, backbone, input).execute();
    }
  }

  /** One evaluation: the graph, its session and the loop. */
  private static final class Run {
    private final Config cfg;
    private final DistContext dist;
    private final Graph graph;
    private final Ops tf;
    private final ImageSource trainSource;
    private final ImageSource valSource;
    private final Map<String, NpyArray> weights;
    private final ParamStore store;
    private final ResNet backbone;
    private final long featureDim;
    private final int classes;
    private final boolean cached;
    private final int batch;
    private final Collectives collectives;
    /** The all-reduce of the standardisation sums; null with one replica. */
    private Placeholder<TFloat32> localSums;
    private Operand<TFloat32> globalSums;

    Run(Config cfg, DistContext dist, Graph graph, Ops tf, ImageSource train, ImageSource val,
        Map<String, NpyArray> weights, Input input) {
      this.cfg = cfg;
      this.graph = graph;
      this.dist = dist;
      this.tf = tf;
      this.trainSource = train;
      this.valSource = val;
      this.weights = weights;
      this.store = new ParamStore(tf);
      int size = cfg.augment().inputSize();
      this.backbone = input == Input.PIXELS ? null
          : ResNet.create(store, "online/backbone", ExperimentSpec.arch(cfg));
      this.featureDim = backbone == null ? (long) size * size * 3 : backbone.featureDim();
      this.classes = train.numClasses();
      this.cached = cfg.eval().cachedFeatures();
      this.batch = cfg.eval().batchSizeTrain();
      this.collectives = dist.world() > 1 ? dist.collectives(tf) : null;
    }

    Outcome execute() {
      int size = cfg.augment().inputSize();
      int calls = ExperimentSpec.parallelCalls(cfg.eval().numWorkers());
      ForwardContext inference = ForwardContext.inference(tf);

      // Features: from images through the frozen backbone, or fed from the cache.
      InputPipeline trainInput = null;
      Operand<TFloat32> trainFeatures;
      Operand<TInt64> trainLabels;
      Placeholder<TFloat32> fedFeatures = null;
      Placeholder<TInt64> fedLabels = null;
      if (cached) {
        fedFeatures = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, featureDim)));
        fedLabels = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
        trainFeatures = fedFeatures;
        trainLabels = fedLabels;
      } else {
        trainInput = InputPipeline.build(tf.withSubScope("train_input"), trainSource,
            SingleViewTransform.linearEvalTraining(size),
            PipelineOptions.training(batch, dist.rank(), dist.world(), cfg.seed())
                .withSkipCorrupt(cfg.dataset().skipCorrupt()).withParallelCalls(calls));
        Operand<TFloat32> images = trainInput.output(SingleViewTransform.IMAGE);
        trainFeatures = tf.stopGradient(featuresOf(inference.in("train"), images));
        trainLabels = trainInput.output(InputPipeline.LABEL);
      }
      InputPipeline valInput = InputPipeline.build(tf.withSubScope("val_input"), valSource,
          SingleViewTransform.evaluation(size, cfg.augment().centerCropPad()),
          PipelineOptions.evaluation(cfg.eval().batchSizeEval(), dist.rank(), dist.world())
              .withSkipCorrupt(cfg.dataset().skipCorrupt()).withParallelCalls(calls));
      Operand<TFloat32> valFeatures =
          featuresOf(inference.in("val"), valInput.output(SingleViewTransform.IMAGE));
      Operand<TInt64> valLabels = valInput.output(InputPipeline.LABEL);

      // The probe and its optimiser.
      LinearClassifier head = LinearClassifier.create(store, "linear", featureDim, classes);
      EvaluatorLoss.Result trainLoss = EvaluatorLoss.of(tf.withSubScope("loss"),
          head.apply(inference.in("head"), trainFeatures), trainLabels, classes);
      Placeholder<TFloat32> fedValFeatures =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, featureDim)));
      Placeholder<TInt64> fedValLabels = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> valCorrect = Top1Counter.correct(tf,
          head.apply(inference.in("val_head"), fedValFeatures),
          fedValLabels);

      int trainSize = trainSource.size();
      long steps = Math.max(1, cached
          ? (long) Math.ceil(trainSize / (double) (batch * dist.world()))
          : trainInput.stepsPerEpoch());
      int epochs = cfg.eval().maxEpochs();
      double baseLr = cfg.eval().optim().lr() * ExperimentSpec.globalBatch(cfg, batch) / 256.0;
      Variable<TInt64> globalStep = tf.withName("linear_step").variable(Shape.scalar(), TInt64.class);
      Operand<TInt64> k = tf.math.add(globalStep, tf.constant(0L));
      Operand<TFloat32> lr = new LrSchedule(baseLr, steps, cfg.eval().warmupEpochs(), epochs)
          .forGlobalStep(tf, k);
      List<ParamStore.Param> params = List.of(head.weight(), head.bias());
      List<Operand<TFloat32>> values = new ArrayList<>();
      params.forEach(p -> values.add(p.value()));
      List<Operand<TFloat32>> grads = Gradients.of(tf, "linear_gradients", trainLoss.loss(), values);
      if (collectives != null) {
        grads = collectives.allReduceMean(grads);
      }
      LarsOptimizer optimizer = new LarsOptimizer(new Lars(cfg.eval().optim().weightDecay(),
          org.scrl4j.optim.LarsGrouping.NONE, cfg.eval().optim().nesterov()), "linear_lars");
      List<LarsOptimizer.Slot> slots = new ArrayList<>();
      for (int i = 0; i < params.size(); i++) {
        slots.add(new LarsOptimizer.Slot("linear." + params.get(i).key(), params.get(i).variable(),
            values.get(i), grads.get(i)));
      }
      LarsOptimizer.Step update = optimizer.apply(tf, slots, lr);
      Op trainOp = tf.withControlDependencies(List.of(update.step()))
          .assignAdd(globalStep, tf.constant(1L));
      Op init = tf.withControlDependencies(List.of(optimizer.initializer(),
          tf.assign(globalStep, tf.constant(0L)))).noOp();
      Top1Counter counter = new Top1Counter(tf, collectives);
      if (collectives != null && cfg.eval().standardizeFeatures()) {
        localSums = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(featureDim + 1)));
        globalSums = collectives.allReduceSum(localSums);
      }

      try (Session session = dist.newSession(graph)) {
        store.initialize(session, cfg.seed());
        session.runner().addTarget(init).run().close();
        if (weights != null) {
          store.write(session, backboneValues(weights));
        }
        FeatureSet valSet = features(session, valInput, valFeatures, valLabels, "validation");
        CachedInput trainCache = cached ? cachedTrainInput(size, calls) : null;
        FeatureSet trainSet = cached ? features(session, trainCache.pipeline(), trainCache.features(),
            trainCache.labels(), "training images (cached)") : null;
        if (cfg.eval().standardizeFeatures()) {
          FeatureSet.Standardizer z = trainSet.standardizer(v -> sumAcrossReplicas(session, v));
          trainSet = z.apply(trainSet);
          valSet = z.apply(valSet);
        }
        double last = Double.NaN;
        double max = Double.NaN;
        int maxEpoch = 0;
        Random order = new Random(cfg.seed() * 31 + dist.rank());
        for (int epoch = 1; epoch <= epochs; epoch++) {
          if (trainInput != null) {
            trainInput.startEpoch(session, epoch, 0);
          }
          Progress progress = Progress.forEpoch(String.format("linear eval %d/%d", epoch, epochs), steps,
              (long) batch * dist.world(), (epochs - epoch) * steps);
          int[] perm = trainSet == null ? null : shuffled(trainSet.size(), order);
          for (long i = 0; i < steps; i++) {
            Session.Runner r = session.runner().addTarget(trainOp).fetch(trainLoss.loss())
                .fetch(trainLoss.accuracy()).fetch(lr);
            List<AutoCloseable> fed = new ArrayList<>();
            if (trainSet != null) {
              int[] rows = window(perm, i * batch, batch);
              TFloat32 f = trainSet.features(rows);
              TInt64 l = trainSet.labels(rows);
              fed.add(f);
              fed.add(l);
              r.feed(fedFeatures, f).feed(fedLabels, l);
            }
            try (Result res = dist.run(r::run)) {
              Map<String, Object> fields = new LinkedHashMap<>();
              fields.put("loss", (double) ((TFloat32) res.get(0)).getFloat());
              fields.put("acc", 100.0 * ((TFloat32) res.get(1)).getFloat());
              fields.put("lr", (double) ((TFloat32) res.get(2)).getFloat());
              progress.update(i + 1, fields);
            } catch (RuntimeException e) {
              throw InputErrors.explain(trainInput, session, e);
            } finally {
              closeAll(fed);
            }
          }
          progress.close();
          if (trainInput != null) {
            trainInput.endEpoch(session);
          }
          if (epoch % cfg.eval().validInterval() == 0 || epoch == epochs) {
            last = top1(session, valSet, fedValFeatures, fedValLabels, valCorrect, counter);
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

    /** Adds a host vector of length featureDim + 1 over replicas (float32 on the wire). */
    private double[] sumAcrossReplicas(Session session, double[] v) {
      if (globalSums == null) {
        return v;
      }
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      try (TFloat32 local = TensorValues.tensor(f, v.length);
          Result r = dist.run(() -> session.runner().feed(localSums, local).fetch(globalSums).run())) {
        float[] g = TensorValues.floats(r.get(0));
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) {
          out[i] = g[i];
        }
        return out;
      }
    }

    /** A centre-crop pipeline over the training split, for the cached-features protocol. */
    private CachedInput cachedTrainInput(int size, int calls) {
      InputPipeline p = InputPipeline.build(tf.withSubScope("train_cache_input"), trainSource,
          SingleViewTransform.evaluation(size, cfg.augment().centerCropPad()),
          PipelineOptions.evaluation(cfg.eval().batchSizeEval(), dist.rank(), dist.world())
              .withSkipCorrupt(cfg.dataset().skipCorrupt()).withParallelCalls(calls));
      ForwardContext inference = ForwardContext.inference(tf);
      Operand<TFloat32> f = featuresOf(inference.in("train_cache"), p.output(SingleViewTransform.IMAGE));
      return new CachedInput(p, f, p.output(InputPipeline.LABEL));
    }

    /** The frozen backbone's pooled features, or the images flattened to rows. */
    private Operand<TFloat32> featuresOf(ForwardContext inference, Operand<TFloat32> images) {
      if (backbone == null) {
        return tf.reshape(images, tf.constant(new long[] {-1, featureDim}));
      }
      return backbone.apply(inference, images).pooled();
    }

    private record CachedInput(InputPipeline pipeline, Operand<TFloat32> features,
        Operand<TInt64> labels) {}

    /** Runs a pipeline once through the frozen backbone and keeps the pooled features on the host. */
    private FeatureSet features(Session session, InputPipeline p, Operand<TFloat32> f,
        Operand<TInt64> labels, String what) {
      p.startEpoch(session, 0, 0);
      long steps = p.stepsPerEpoch();
      Progress progress = Progress.forEpoch("features of " + what, Math.max(1, steps),
          p.options().batchSize(), 0);
      List<float[]> rows = new ArrayList<>();
      List<long[]> labelRows = new ArrayList<>();
      int dim = (int) featureDim;
      for (long i = 0; i < steps; i++) {
        try (Result r = dist.run(() -> session.runner().fetch(f).fetch(labels).run())) {
          rows.add(TensorValues.floats(r.get(0)));
          TInt64 l = (TInt64) r.get(1);
          long[] ls = new long[(int) l.shape().size(0)];
          for (int j = 0; j < ls.length; j++) {
            ls[j] = l.getLong(j);
          }
          labelRows.add(ls);
        } catch (RuntimeException e) {
          throw InputErrors.explain(p, session, e);
        }
        progress.update(i + 1, Map.of());
      }
      progress.close();
      p.endEpoch(session);
      return FeatureSet.concat(rows, labelRows, dim);
    }

    private double top1(Session session, FeatureSet val, Placeholder<TFloat32> features,
        Placeholder<TInt64> labels, Operand<TFloat32> correct, Top1Counter counter) {
      float hits = 0;
      int chunk = 4096;
      for (int start = 0; start < val.size(); start += chunk) {
        int[] rows = new int[Math.min(chunk, val.size() - start)];
        for (int j = 0; j < rows.length; j++) {
          rows[j] = start + j;
        }
        try (TFloat32 f = val.features(rows); TInt64 l = val.labels(rows);
            Result r = session.runner().feed(features, f).feed(labels, l).fetch(correct).run()) {
          hits += ((TFloat32) r.get(0)).getFloat();
        }
      }
      return counter.top1(session, dist, hits, val.size());
    }
  }

  /** The online backbone's float tensors of a checkpoint, keyed as this graph's variables. */
  static Map<String, float[]> backboneValues(Map<String, NpyArray> weights) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, NpyArray> e : weights.entrySet()) {
      if (e.getKey().startsWith("online/backbone/")) {
        out.put(e.getKey(), e.getValue().toFloats());
      }
    }
    if (out.isEmpty()) {
      throw new UserError("the checkpoint has no online/backbone tensors");
    }
    return out;
  }

  static int[] shuffled(int n, Random random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** {@code count} rows from {@code start}, wrapping around (every replica runs the same steps). */
  static int[] window(int[] perm, long start, int count) {
    int n = Math.min(count, perm.length);
    int[] rows = new int[n];
    for (int j = 0; j < n; j++) {
      rows[j] = perm[(int) ((start + j) % perm.length)];
    }
    return rows;
  }

  private static void closeAll(List<AutoCloseable> xs) {
    for (AutoCloseable x : xs) {
      try {
        x.close();
      } catch (Exception ignored) {
        // tensors close without failing
      }
    }
  }
}
