package org.scrl4j.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointVariables;
import org.scrl4j.config.Config;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.InputErrors;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.Pipelines;
import org.scrl4j.data.PretrainAugmentation;
import org.scrl4j.data.boxes.RoiRows;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.eval.OnlineValidation;
import org.scrl4j.io.NpyArray;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.Precision;
import org.scrl4j.optim.EmaSchedule;
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
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Pre-training's graph and session, built once: the input pipeline, the one-step graph, the
 * variables a checkpoint holds, rank 0's broadcast of its start state, and the online evaluator.
 * {@link Pretraining} runs the epochs over it.
 */
final class PretrainingGraph implements AutoCloseable {
  private static final Logger log = LogManager.getLogger(PretrainingGraph.class);

  /** What one optimiser step reports. */
  record StepResult(double loss, double regressionLoss, double evaluatorLoss, double trainTop1,
      double lr, double m, long globalStep) {}

  private final DistContext dist;
  private final long seed;
  private final Graph graph = new Graph();
  private final Session session;
  private final InputPipeline input;
  private final PretrainStep step;
  private final CheckpointVariables variables;
  private final OnlineValidation validation;
  /** Rank 0's weights, momenta and global step to every replica; null with one replica. */
  private final Op broadcastInit;
  /** Rank 0's resume position fed in, every rank's copy out (null with one replica). */
  private final Placeholder<TFloat64> chiefStateIn;
  private final Operand<TFloat64> chiefStateOut;
  private final long stepsPerEpoch;

  PretrainingGraph(Config cfg, DistContext dist, ImageSource train, ImageSource val) {
    this.dist = dist;
    this.seed = cfg.seed();
    Precision precision = Precision.parse("train/precision", cfg.train().precision());
    precision.checkSupported(dist.settings().deviceType());
    int batch = cfg.train().batchSizeTrain();
    Ops tf = dist.place(Ops.create(graph));
    Collectives collectives = dist.world() > 1 ? dist.collectives(tf) : null;

    PretrainStep.Method method = ExperimentSpec.method(cfg);
    PretrainAugmentation augmentation =
        new PretrainAugmentation(ExperimentSpec.augment(cfg), ExperimentSpec.boxes(cfg));
    input = Pipelines.pretraining(tf.withSubScope("train_input"), train, augmentation,
        ExperimentSpec.trainingReads(cfg, batch, cfg.train().numWorkers(), dist.rank(), dist.world()));
    long available = input.stepsPerEpoch();
    int cap = cfg.train().maxStepsPerEpoch();
    stepsPerEpoch = cap > 0 ? Math.min(cap, available) : available;

    Operand<TFloat32> views = tf.withName("views").concat(
        List.of(input.<TFloat32>output("view1"), input.<TFloat32>output("view2")), tf.constant(0));
    Operand<TFloat32> boxes = method == PretrainStep.Method.SCRL
        ? RoiRows.of(tf.withSubScope("boxes"), input.output("boxes1"), input.output("boxes2"),
            input.<TBool>output("box_valid"))
        : null;
    int classes = cfg.train().onlineEval() ? train.numClasses() : 0;
    if (cfg.train().onlineEval() && classes == 0) {
      log.info("the training images carry no labels: the online evaluator is off");
    }
    Operand<TInt64> labels = classes > 0 ? input.output(InputPipeline.LABEL) : null;

    int globalBatch = ExperimentSpec.globalBatch(cfg, batch);
    double baseLr = cfg.train().optim().lr() * globalBatch / 256.0;
    int epochs = cfg.train().maxEpochs();
    PretrainStep.Settings settings = new PretrainStep.Settings(ExperimentSpec.arch(cfg),
        ExperimentSpec.heads(cfg), method, classes,
        Lars.pretraining(cfg.train().optim().weightDecay(), ExperimentSpec.grouping(cfg)),
        new LrSchedule(baseLr, stepsPerEpoch, cfg.train().warmupEpochs(), epochs),
        new EmaSchedule(cfg.train().m(), stepsPerEpoch * epochs),
        dist.syncBnMoments(cfg.train().bnFloat64Moments()),
        collectives == null ? g -> g : collectives.gradientMean(), dist.crossReplicaSum())
        .forPrecision(precision, dist.world());
    ParamStore store = new ParamStore(tf);
    step = PretrainStep.build(tf, store, settings, new PretrainStep.Inputs(views, boxes, labels));

    Map<String, Variable<? extends TType>> all = new LinkedHashMap<>();
    for (ParamStore.Param p : store.all()) {
      all.put(p.name(), p.variable());
    }
    for (LarsOptimizer.Momentum m : step.optimizer().momentumBuffers()) {
      all.put(m.variable().op().name(), m.variable());
    }
    all.put("global_step", step.globalStep());
    if (step.lossScale() != null) {
      step.lossScale().variables().forEach(v -> all.put(v.op().name(), v));
    }
    variables = new CheckpointVariables(tf.withSubScope("checkpoint"), all);
    store.initializer();
    // Every replica starts from rank 0's weights, momenta and global step (the original's DDP
    // broadcast), fresh or resumed: only rank 0 reads a checkpoint, so save_dir need not be shared.
    List<Variable<TFloat32>> floats = new ArrayList<>();
    store.all().forEach(p -> floats.add(p.variable()));
    step.optimizer().momentumBuffers().forEach(m -> floats.add(m.variable()));
    if (step.lossScale() != null) {
      floats.addAll(step.lossScale().variables());
    }
    if (collectives == null) {
      broadcastInit = null;
      chiefStateIn = null;
      chiefStateOut = null;
    } else {
      Ops bc = tf.withSubScope("from_chief");
      Variable<TInt64> gs = step.globalStep();
      Operand<TInt64> chiefStep =
          collectives.allReduceSum(dist.isChief() ? bc.identity(gs) : bc.zerosLike(gs));
      broadcastInit = bc.withControlDependencies(
          List.of(collectives.assignFromChief(floats), bc.assign(gs, chiefStep))).noOp();
      chiefStateIn = bc.placeholder(TFloat64.class,
          Placeholder.shape(Shape.of(ResumePosition.FIELDS)));
      chiefStateOut = collectives.allReduceSum(chiefStateIn);
    }

    validation = classes > 0 && val != null
        ? new OnlineValidation(tf.withSubScope("online_validation"), val, step, cfg, dist, collectives)
        : null;
    session = dist.newSession(graph, precision.sessionOptions());
    if (precision != Precision.FLOAT32) {
      log.info("precision {}: convolutions and matrix products in {} (grappler's mixed-precision rewrite),"
              + " batch norm {}", precision.configValue(), precision == Precision.MIXED_BFLOAT16 ? "bfloat16" : "float16",
          precision.fusedBatchNorm(dist.world()) ? "as the fused kernel (float32 statistics)"
              : "synchronised across replicas (plain ops)");
    }
    log.info("{} {} (width {}), {} images per epoch on {} replica(s), {} steps per epoch, global batch {},"
            + " base lr {}", method, cfg.network().name(), cfg.network().width(), train.size(),
        dist.world(), stepsPerEpoch, globalBatch, String.format("%.4g", baseLr));
  }

  InputPipeline input() {
    return input;
  }

  Session session() {
    return session;
  }

  long stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** The online evaluator's validation, if there is one (labels and a validation split). */
  Optional<OnlineValidation> validation() {
    return Optional.ofNullable(validation);
  }

  /**
   * Initialises every variable from the seed, restores {@code resume} (rank 0 only holds one) and
   * gives every replica rank 0's values.
   */
  void initialise(Optional<Checkpoint> resume) throws IOException {
    step.store().initialize(session, seed);
    session.runner().addTarget(step.initializer()).run().close();
    if (resume.isPresent()) {
      variables.restore(session, resume.get().readWeights());
    }
    if (broadcastInit != null) {
      dist.run(() -> {
        session.runner().addTarget(broadcastInit).run().close();
        return null;
      });
    }
  }

  /** Rank 0's {@code local} position on every rank (rank 0's own with one replica). */
  ResumePosition agreeWithChief(ResumePosition local) {
    if (chiefStateOut == null) {
      return local;
    }
    double[] mine = dist.isChief() ? local.toVector() : new double[ResumePosition.FIELDS];
    try (TFloat64 in = TFloat64.vectorOf(mine);
        Result r = dist.run(() -> session.runner().feed(chiefStateIn, in).fetch(chiefStateOut).run())) {
      TFloat64 out = (TFloat64) r.get(0);
      double[] agreed = new double[ResumePosition.FIELDS];
      for (int i = 0; i < agreed.length; i++) {
        agreed[i] = out.getDouble(i);
      }
      return ResumePosition.fromVector(agreed);
    }
  }

  /** Every checkpointed variable by its TF name (online and target networks, momenta, step). */
  Map<String, NpyArray> read() {
    return variables.read(session);
  }

  /** One optimiser step; an input failure names the image that caused it. */
  StepResult runStep() {
    Session.Runner r = session.runner().addTarget(step.trainOp())
        .fetch(step.loss()).fetch(step.regressionLoss()).fetch(step.lr()).fetch(step.emaMomentum())
        .fetch(step.globalStepAfter());
    boolean evaluator = step.evaluator() != null;
    if (evaluator) {
      r.fetch(step.evaluatorLoss()).fetch(step.evaluatorAccuracy());
    }
    try (Result res = dist.run(r::run)) {
      double loss = ((TFloat32) res.get(0)).getFloat();
      double reg = ((TFloat32) res.get(1)).getFloat();
      double lr = ((TFloat32) res.get(2)).getFloat();
      double m = ((TFloat32) res.get(3)).getFloat();
      long gs = ((TInt64) res.get(4)).getLong();
      double evLoss = evaluator ? ((TFloat32) res.get(5)).getFloat() : Double.NaN;
      double acc = evaluator ? ((TFloat32) res.get(6)).getFloat() : Double.NaN;
      return new StepResult(loss, reg, evLoss, acc, lr, m, gs);
    } catch (RuntimeException e) {
      throw InputErrors.explain(input, session, e);
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
