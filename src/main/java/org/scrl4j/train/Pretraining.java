package org.scrl4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointSchedule;
import org.scrl4j.checkpoint.CheckpointState;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.checkpoint.CheckpointVariables;
import org.scrl4j.common.Progress;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigPrinter;
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
import org.scrl4j.io.Npz;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.model.ParamStore;
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
 * Self-supervised pre-training, the experiment: builds the input pipeline and the one-step graph
 * once, then runs epochs of steps with online evaluation, TensorBoard scalars, atomic checkpoints
 * and automatic resume. Every replica runs this; only the chief writes.
 */
public final class Pretraining implements AutoCloseable {
  private static final Logger log = LogManager.getLogger(Pretraining.class);
  /** Environment variable naming a folder where every rank dumps its final variables (tests). */
  public static final String DUMP_ENV = "SCRL_DUMP_FINAL_WEIGHTS";
  private static final int RESUME_FIELDS = 5;

  /** How pre-training ended: the online evaluator's best and last top-1 (NaN without labels). */
  public record Outcome(int epochs, long globalStep, double lastTop1, double bestTop1, int bestEpoch,
      Path lastCheckpoint) {}

  private final Config cfg;
  private final DistContext dist;
  private final Path saveDir;
  private final Path loadDir;
  private final Graph graph = new Graph();
  private final Session session;
  private final InputPipeline input;
  private final PretrainStep step;
  private final CheckpointVariables variables;
  private final OnlineValidation validation;
  private final Op broadcastInit;
  /** Rank 0's resume position fed in, every rank's copy out (null with one replica). */
  private final Placeholder<TFloat64> chiefStateIn;
  private final Operand<TFloat64> chiefStateOut;
  private final long stepsPerEpoch;
  private final int batch;
  private final Optional<Checkpoint> resume;

  public Pretraining(Config cfg, DistContext dist, ImageSource train, ImageSource val, Path saveDir,
      Path loadDir) {
    this.cfg = cfg;
    this.dist = dist;
    this.saveDir = saveDir;
    this.loadDir = loadDir;
    this.batch = cfg.train().batchSizeTrain();
    Ops tf = dist.place(Ops.create(graph));
    Collectives collectives = dist.world() > 1 ? dist.collectives(tf) : null;

    PretrainStep.Method method = ExperimentSpec.method(cfg);
    PretrainAugmentation augmentation =
        new PretrainAugmentation(ExperimentSpec.augment(cfg), ExperimentSpec.boxes(cfg));
    input = Pipelines.pretraining(tf.withSubScope("train_input"), train, augmentation,
        ExperimentSpec.trainingReads(cfg, batch, cfg.train().numWorkers(), dist.rank(), dist.world()));
    // Before the model graph (minutes for ResNet-50): a bad load_dir or an incompatible checkpoint
    // fails at once. Only rank 0 reads it; the others receive its values (save_dir need not be shared).
    resume = dist.isChief()
        ? CheckpointStore.resolveResume(saveDir, loadDir.equals(saveDir) ? null : loadDir,
            cfg.network().name(), cfg.network().width(), cfg.method(), input.imagesPerEpoch())
        : Optional.empty();
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
        collectives == null ? g -> g : collectives.gradientMean(), dist.crossReplicaSum());
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
    variables = new CheckpointVariables(tf.withSubScope("checkpoint"), all);
    store.initializer();
    // Every replica starts from rank 0's weights, momenta and global step (the original's DDP
    // broadcast), fresh or resumed: only rank 0 reads a checkpoint, so save_dir need not be shared.
    List<Variable<TFloat32>> floats = new ArrayList<>();
    store.all().forEach(p -> floats.add(p.variable()));
    step.optimizer().momentumBuffers().forEach(m -> floats.add(m.variable()));
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
      chiefStateIn = bc.placeholder(TFloat64.class, Placeholder.shape(Shape.of(RESUME_FIELDS)));
      chiefStateOut = collectives.allReduceSum(chiefStateIn);
    }

    validation = classes > 0 && val != null
        ? new OnlineValidation(tf.withSubScope("online_validation"), val, step, cfg, dist, collectives)
        : null;
    session = dist.newSession(graph);
    log.info("{} {} (width {}), {} images per epoch on {} replica(s), {} steps per epoch, global batch {},"
            + " base lr {}", method, cfg.network().name(), cfg.network().width(), train.size(),
        dist.world(), stepsPerEpoch, globalBatch, String.format("%.4g", baseLr));
  }

  public Outcome run() throws IOException {
    int epochs = cfg.train().maxEpochs();
    CheckpointStore store = dist.isChief() ? CheckpointStore.create(saveDir) : null;
    initialise(resume);
    double[] at = resumePosition(resume.map(Checkpoint::state).orElse(null));
    int doneEpochs = (int) at[0];
    long position = (long) at[2] / ((long) batch * dist.world());
    double best = at[3];
    int bestEpoch = (int) at[4];
    double last = Double.NaN;
    Path lastCheckpoint = resume.map(Checkpoint::dir).orElse(null);
    if (doneEpochs >= epochs) {
      log.info("pre-training already finished ({} epochs) in {}", doneEpochs,
          lastCheckpoint != null ? lastCheckpoint : "rank 0's save_dir");
      return new Outcome(doneEpochs, (long) at[1], Double.NaN, best, bestEpoch, lastCheckpoint);
    }
    CheckpointSchedule schedule = new CheckpointSchedule(cfg.train().snapshotInterval(), epochs,
        cfg.train().checkpointMinutes(), System::nanoTime);
    String configYaml = ConfigPrinter.toYaml(cfg);
    long globalStep = (long) at[1];
    try (TensorBoardWriter tb = dist.isChief() ? new TensorBoardWriter(saveDir) : null) {
      if (tb != null) {
        tb.restartAt(globalStep);
      }
      for (int epoch = doneEpochs + 1; epoch <= epochs; epoch++) {
        input.startEpoch(session, epoch, position);
        Progress progress = Progress.forEpoch(String.format("epoch %d/%d", epoch, epochs),
            stepsPerEpoch, (long) batch * dist.world(), (epochs - epoch) * stepsPerEpoch);
        for (long i = position; i < stepsPerEpoch; i++) {
          StepResult r = runStep();
          globalStep = r.globalStep;
          NonFiniteLossError.check(r.loss, globalStep, epoch, lastCheckpoint);
          Map<String, Object> fields = new LinkedHashMap<>();
          fields.put("loss", r.loss);
          fields.put("lr", r.lr);
          fields.put("m", r.m);
          if (!Double.isNaN(r.trainTop1)) {
            fields.put("acc", r.trainTop1 * 100);
          }
          progress.update(i + 1, fields);
          if (tb != null && globalStep % cfg.train().tbInterval() == 0) {
            Map<String, Number> scalars = new LinkedHashMap<>();
            scalars.put("train/loss", r.loss);
            scalars.put("train/regression_loss", r.regressionLoss);
            scalars.put("train/lr", r.lr);
            scalars.put("train/m", r.m);
            if (!Double.isNaN(r.trainTop1)) {
              scalars.put("train/evaluator_loss", r.evaluatorLoss);
              scalars.put("train/online_top1_batch", r.trainTop1 * 100);
            }
            tb.scalars(globalStep, scalars);
          }
          if (i + 1 < stepsPerEpoch && schedule.midEpochSaveDue()) {
            long seen = (i + 1) * batch * dist.world();
            lastCheckpoint = save(store, new CheckpointState(epoch - 1, globalStep, seen, best, bestEpoch,
                cfg.network().name(), cfg.network().width(), cfg.method(), input.imagesPerEpoch(),
                cfg.seed(), configYaml, CheckpointState.currentVersion()), false, false, lastCheckpoint);
            schedule.saved();
          }
        }
        position = 0;
        progress.close();
        input.endEpoch(session); // warns with the count of skipped corrupt records, if any
        boolean newBest = false;
        if (validation != null && (epoch % cfg.train().validInterval() == 0 || epoch == epochs)) {
          last = validation.top1(session);
          if (last > best) {
            best = last;
            bestEpoch = epoch;
            newBest = true;
          }
          log.info("epoch {}: online linear top-1 {} % (best {} % at epoch {})", epoch,
              String.format("%.2f", last), String.format("%.2f", best), bestEpoch);
          if (tb != null) {
            tb.scalar("eval/online_top1", globalStep, last);
          }
        }
        boolean snapshot = schedule.isSnapshot(epoch) || newBest;
        lastCheckpoint = save(store, new CheckpointState(epoch, globalStep, 0, best, bestEpoch,
            cfg.network().name(), cfg.network().width(), cfg.method(), input.imagesPerEpoch(),
            cfg.seed(), configYaml, CheckpointState.currentVersion()), snapshot, newBest, lastCheckpoint);
        schedule.saved();
        if (tb != null) {
          tb.flush();
        }
      }
    }
    dumpWeightsForTest();
    return new Outcome(epochs, globalStep, last, best, bestEpoch, lastCheckpoint);
  }

  /**
   * (epoch, global step, images seen in the epoch, best score, best epoch) to resume from: rank 0's
   * checkpoint values on every rank, zeros for a fresh start.
   */
  private double[] resumePosition(CheckpointState state) {
    double[] local = state == null ? new double[RESUME_FIELDS]
        : new double[] {state.epoch(), state.globalStep(), state.dataPosition(), state.bestScore(),
            state.bestEpoch()};
    if (chiefStateOut == null) {
      return local;
    }
    double[] mine = dist.isChief() ? local : new double[RESUME_FIELDS];
    try (TFloat64 in = TFloat64.vectorOf(mine);
        Result r = dist.run(() -> session.runner().feed(chiefStateIn, in).fetch(chiefStateOut).run())) {
      TFloat64 out = (TFloat64) r.get(0);
      double[] agreed = new double[RESUME_FIELDS];
      for (int i = 0; i < RESUME_FIELDS; i++) {
        agreed[i] = out.getDouble(i);
      }
      if (!dist.isChief() && agreed[0] + agreed[1] > 0) {
        log.info("rank {}: resuming with rank 0 at epoch {}, global step {}", dist.rank(),
            (long) agreed[0], (long) agreed[1]);
      }
      return agreed;
    }
  }

  /**
   * Test hook: with {@value #DUMP_ENV} set to a folder, every rank writes its final variables there
   * as rank{r}.npz (only rank 0 writes checkpoints, and replicas must be compared bit for bit).
   */
  private void dumpWeightsForTest() throws IOException {
    String dir = System.getenv(DUMP_ENV);
    if (dir == null || dir.isBlank()) {
      return;
    }
    java.nio.file.Files.createDirectories(Path.of(dir));
    Npz.write(Path.of(dir, "rank" + dist.rank() + ".npz"), variables.read(session));
  }

  /** The trained online backbone (TF names, TF layouts), for linear evaluation and export. */
  public Map<String, NpyArray> weights() {
    return variables.read(session);
  }

  private Path save(CheckpointStore store, CheckpointState state, boolean snapshot, boolean newBest,
      Path previous) throws IOException {
    // Every rank reads (cheap) so collectives stay in step; only the chief writes.
    Map<String, NpyArray> values = variables.read(session);
    // Every rank checks (the values agree across ranks), so all stop together.
    NonFiniteLossError.checkWeights(values, state.globalStep(),
        state.midEpoch() ? state.epoch() + 1 : state.epoch(), previous);
    if (store == null) {
      return previous;
    }
    return store.save(state, values, snapshot, newBest).dir();
  }

  private void initialise(Optional<Checkpoint> resume) throws IOException {
    step.store().initialize(session, cfg.seed());
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

  private record StepResult(double loss, double regressionLoss, double evaluatorLoss,
      double trainTop1, double lr, double m, long globalStep) {}

  private StepResult runStep() {
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
