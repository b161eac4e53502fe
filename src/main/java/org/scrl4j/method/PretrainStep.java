package org.scrl4j.method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.scrl4j.loss.EvaluatorLoss;
import org.scrl4j.loss.RegressionLoss;
import org.scrl4j.model.BatchMoments;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.LinearClassifier;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.Precision;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.optim.DynamicLossScale;
import org.scrl4j.optim.Ema;
import org.scrl4j.optim.Gradients;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsOptimizer;
import org.scrl4j.optim.Schedule;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * One BYOL/SCRL pre-training step as a graph, built once and run once per batch (running
 * {@link #trainOp()} never adds ops). In order:
 * <ol>
 *   <li>online backbone -> (SCRL: RoIAlign of layer4 at the boxes | BYOL: global pool) -> projector
 *       -> predictor, over both views; target backbone -> same features -> projector, without
 *       gradient ({@link ByolNetwork#forward}, once per branch). Batch norm in training mode
 *       everywhere (batch statistics; SCRL's projector normalises over all K boxes of both views).</li>
 *   <li>loss = symmetric regression loss (+ the online evaluator's cross-entropy on stop-gradient
 *       pooled online features of both views, when labels are given).</li>
 *   <li>gradients of the trainable online variables only (optionally averaged across replicas),
 *       the LARS step, then the target EMA with the updated online values, then the global step
 *       increment; the batch-norm running-stat updates of both networks run in the same step.</li>
 * </ol>
 * lr and EMA momentum are read at the global step before its increment (0-based k).
 *
 * <p>Use:
 * <pre>{@code
 * Ops tf = Ops.create(graph);
 * ParamStore store = new ParamStore(tf);
 * PretrainStep step = PretrainStep.build(tf, store, PretrainStep.Settings.local(
 *         ResNetSpec.of("resnet50"), ByolNetwork.HeadSpec.PAPER, Method.SCRL, numClasses,
 *         Lars.pretraining(wd, LarsGrouping.REFERENCE),
 *         new LrSchedule(lr * globalBatch / 256, stepsPerEpoch, 10, epochs),
 *         new EmaSchedule(m, stepsPerEpoch * epochs)),
 *     new PretrainStep.Inputs(views, boxes, labels));          // placeholders or iterator outputs
 * // fresh run: store.initialize(session, seed); session.run(step.initializer());
 * // resume: write the variables (store.all(), step.optimizer().momentumBuffers(), step.globalStep())
 * each batch: session.runner().addTarget(step.trainOp()).fetch(step.loss()).fetch(step.lr())...run();
 * }</pre>
 * Accuracy: judged by tools/verify_sweep.py against torch fp32's own distance to float64; with
 * oneDNN kernels (the launcher's default) 14 of 16 full ResNet-50 cases pass at 2x, the median
 * key at 0.3-0.9x (README, "Speed and accuracy"). The ~12x gradient error once seen with oneDNN
 * was batch norm's folded form cancelling, not the kernels (see BatchNorm).
 */
public final class PretrainStep {

  /** Pooled features (BYOL) or RoI features at matched boxes (SCRL). */
  public enum Method { BYOL, SCRL }

  /**
   * What to build.
   *
   * @param evaluatorClasses classes of the online evaluator; 0 builds none (then no labels)
   * @param lars the optimizer rule (weight decay, grouping); {@link Lars#pretraining}
   * @param lr learning rate as a function of the 0-based global step
   * @param emaMomentum target momentum m as a function of the 0-based global step
   * @param moments batch-norm moments ({@link BatchMoments#LOCAL} or synchronised across replicas)
   * @param gradientReducer applied to the gradient list before LARS (e.g. the cross-replica mean);
   *     identity on one process
   * @param replicaSum sum over replicas (identity on one process); normalises the regression loss
   *     by the job's pair count, so averaged gradients are those of the global batch
   * @param lossScaling dynamic loss scaling (float16), or null for none (float32, bfloat16)
   * @param fusedBatchNorm training-mode batch norm as TF's fused kernel (mixed precision on one
   *     replica, {@link Precision#fusedBatchNorm}); {@code moments} is then unused
   */
  public record Settings(ResNetSpec arch, ByolNetwork.HeadSpec heads, Method method,
      int evaluatorClasses, Lars lars, Schedule lr, Schedule emaMomentum, BatchMoments moments,
      UnaryOperator<List<Operand<TFloat32>>> gradientReducer, BatchMoments.CrossReplicaSum replicaSum,
      DynamicLossScale.Settings lossScaling, boolean fusedBatchNorm) {

    /** Settings without loss scaling. */
    public Settings(ResNetSpec arch, ByolNetwork.HeadSpec heads, Method method, int evaluatorClasses,
        Lars lars, Schedule lr, Schedule emaMomentum, BatchMoments moments,
        UnaryOperator<List<Operand<TFloat32>>> gradientReducer, BatchMoments.CrossReplicaSum replicaSum) {
      this(arch, heads, method, evaluatorClasses, lars, lr, emaMomentum, moments, gradientReducer,
          replicaSum, null, false);
    }

    /** These settings with dynamic loss scaling (null: none). */
    public Settings withLossScaling(DynamicLossScale.Settings scaling) {
      return new Settings(arch, heads, method, evaluatorClasses, lars, lr, emaMomentum, moments,
          gradientReducer, replicaSum, scaling, fusedBatchNorm);
    }

    /** These settings with the fused batch-norm kernel on or off. */
    public Settings withFusedBatchNorm(boolean fused) {
      return new Settings(arch, heads, method, evaluatorClasses, lars, lr, emaMomentum, moments,
          gradientReducer, replicaSum, lossScaling, fused);
    }

    /** Loss scaling and the batch-norm kernel as {@code precision} trains on {@code replicas} processes. */
    public Settings forPrecision(Precision precision, int replicas) {
      return withLossScaling(precision.needsLossScaling() ? DynamicLossScale.Settings.TORCH : null)
          .withFusedBatchNorm(precision.fusedBatchNorm(replicas));
    }

    /** Single-process settings (local batch norm, no gradient reduction). */
    public static Settings local(ResNetSpec arch, ByolNetwork.HeadSpec heads, Method method,
        int evaluatorClasses, Lars lars, Schedule lr, Schedule emaMomentum) {
      return new Settings(arch, heads, method, evaluatorClasses, lars, lr, emaMomentum,
          BatchMoments.LOCAL, UnaryOperator.identity(), (tf, x) -> x);
    }
  }

  /**
   * The step's inputs (placeholders or a tf.data iterator's outputs).
   *
   * @param views NHWC [2N, S, S, 3], all view-1 rows then all view-2 rows
   * @param boxes [K, 5] = (batch_idx, x1, y1, x2, y2) (SCRL; null for BYOL); rows K/2.. are the
   *     view-2 matches of rows 0..K/2-1
   * @param labels [N] class ids (int32/int64), or null without an evaluator
   */
  public record Inputs(Operand<TFloat32> views, Operand<TFloat32> boxes,
      Operand<? extends TNumber> labels) {}

  private final ParamStore store;
  private final ByolNetwork online;
  private final ByolNetwork target;
  private final LinearClassifier evaluator;
  private final ByolNetwork.Activations onlineActs;
  private final ByolNetwork.Activations targetActs;
  private final RegressionLoss.Symmetric byol;
  private final EvaluatorLoss.Result evaluatorResult;
  private final Operand<TFloat32> loss;
  private final Operand<TFloat32> lr;
  private final Operand<TFloat32> m;
  private final Variable<TInt64> globalStep;
  private final Operand<TInt64> globalStepAfter;
  private final LarsOptimizer optimizer;
  private final Map<String, Operand<TFloat32>> gradients = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> updatedOnline;
  private final Map<String, Operand<TFloat32>> updatedTarget = new LinkedHashMap<>();
  private final List<Op> bnUpdates;
  private final DynamicLossScale lossScale;
  private final Op trainOp;
  private final Op initializer;

  private PretrainStep(Ops tf, ParamStore store, Settings s, Inputs in) {
    if (s.method() == Method.SCRL && in.boxes() == null) {
      throw new IllegalArgumentException("SCRL needs boxes");
    }
    if ((s.evaluatorClasses() > 0) != (in.labels() != null)) {
      throw new IllegalArgumentException("labels must be given exactly when the evaluator has classes");
    }
    this.store = store;
    online = ByolNetwork.online(store, s.arch(), s.heads());
    target = ByolNetwork.target(store, s.arch(), s.heads());
    evaluator = s.evaluatorClasses() > 0
        ? LinearClassifier.create(store, "online/evaluator", s.arch().featureDim(), s.evaluatorClasses())
        : null;

    ForwardContext ctx = s.fusedBatchNorm() ? ForwardContext.trainingFused(tf) : ForwardContext.training(tf, s.moments());
    Operand<TFloat32> boxes = s.method() == Method.SCRL ? in.boxes() : null;
    onlineActs = online.forward(ctx, in.views(), boxes);
    targetActs = target.forward(ctx, in.views(), boxes);
    bnUpdates = List.copyOf(ctx.bnUpdates());

    Ops lossOps = tf.withSubScope("loss");
    byol = RegressionLoss.symmetric(lossOps, onlineActs.prediction(), targetActs.projection(),
        pairsPerReplica(lossOps, onlineActs.prediction(), s.replicaSum()));
    if (evaluator != null) {
      ForwardContext ec = ctx.in("online").in("evaluator");
      Operand<TFloat32> logits = evaluator.apply(ec, ec.tf().stopGradient(onlineActs.pooled()));
      evaluatorResult = EvaluatorLoss.twoViews(lossOps.withSubScope("evaluator"), logits, in.labels(),
          s.evaluatorClasses());
      loss = lossOps.withName("total").math.add(byol.loss(), evaluatorResult.loss());
    } else {
      evaluatorResult = null;
      loss = lossOps.withName("total").identity(byol.loss());
    }

    // gradients of the trainable online variables only: BN running stats and the target have none
    List<ParamStore.Param> trainable = store.trainable("online");
    List<Operand<TFloat32>> values = new ArrayList<>();
    trainable.forEach(p -> values.add(p.value()));
    // float16: d(S * loss), reduced across replicas, then divided by S; a non-finite gradient on
    // any replica is non-finite in the reduced sum, so every replica skips the same steps
    lossScale = s.lossScaling() == null ? null : new DynamicLossScale(tf, s.lossScaling());
    List<Operand<TFloat32>> grads = s.gradientReducer().apply(Gradients.of(tf, "gradients",
        lossScale == null ? loss : lossScale.scaled(tf, loss), values));
    Operand<TBool> applyStep = null;
    if (lossScale != null) {
      DynamicLossScale.Unscaled unscaled = lossScale.unscale(tf.withSubScope("unscale"), grads);
      grads = unscaled.gradients();
      applyStep = unscaled.allFinite();
    }

    Ops stepOps = tf.withSubScope("step");
    globalStep = tf.withName("global_step").variable(Shape.scalar(), TInt64.class);
    // a copy, not an alias of the variable's buffer: the increment below writes it in place
    Operand<TInt64> k = stepOps.withName("k").math.add(globalStep, stepOps.constant(0L));
    lr = stepOps.withName("lr").identity(s.lr().forGlobalStep(stepOps, k));
    m = stepOps.withName("m").identity(s.emaMomentum().forGlobalStep(stepOps, k));

    optimizer = new LarsOptimizer(s.lars(), "lars");
    List<LarsOptimizer.Slot> slots = new ArrayList<>();
    for (int i = 0; i < trainable.size(); i++) {
      ParamStore.Param p = trainable.get(i);
      String name = torchName(p);
      gradients.put(name, grads.get(i));
      slots.add(new LarsOptimizer.Slot(name, p.variable(), p.value(), grads.get(i)));
    }
    LarsOptimizer.Step lars = optimizer.apply(tf, slots, lr, applyStep);
    updatedOnline = lars.newValues();

    // EMA after the LARS step, with the updated online values; parameters only, no BN buffers
    Ops emaOps = tf.withSubScope("ema").withControlDependencies(List.of(lars.step()));
    List<Ema.Pair> pairs = new ArrayList<>();
    List<String> pairNames = new ArrayList<>();
    for (ParamStore.Param t : store.trainable("target")) {
      String name = torchName(t);
      Operand<TFloat32> onlineNew = updatedOnline.get(name);
      if (onlineNew == null) {
        throw new IllegalStateException("target parameter " + t.name() + " has no online twin");
      }
      pairs.add(new Ema.Pair(t.variable(), t.value(), onlineNew));
      pairNames.add(name);
    }
    Ema.Update ema = Ema.update(emaOps, pairs, m);
    for (int i = 0; i < pairNames.size(); i++) {
      updatedTarget.put(pairNames.get(i), ema.newValues().get(i));
    }

    List<Op> done = new ArrayList<>(bnUpdates);
    done.add(lars.step());
    done.add(ema.op());
    if (lossScale != null) {
      done.add(lossScale.update(stepOps.withControlDependencies(List.of(lars.step())), applyStep));
    }
    globalStepAfter = stepOps.withControlDependencies(done).withName("increment")
        .assignAdd(globalStep, stepOps.constant(1L));
    trainOp = stepOps.withControlDependencies(List.of(globalStepAfter)).withName("train").noOp();
    List<Op> inits = new ArrayList<>(List.of(optimizer.initializer(), stepOps.assign(globalStep, stepOps.constant(0L))));
    if (lossScale != null) {
      inits.add(lossScale.initializer());
    }
    initializer = stepOps.withControlDependencies(inits).withName("init").noOp();
  }

  /**
   * Builds the step and creates every variable in {@code store}: online/{backbone,projector,
   * predictor[,evaluator]}, target/{backbone,projector}; plus the LARS momentum buffers
   * ({@code lars/momentum/<variable name>}) and {@code global_step}.
   */
  public static PretrainStep build(Ops tf, ParamStore store, Settings settings, Inputs inputs) {
    return new PretrainStep(tf, store, settings, inputs);
  }

  /**
   * Pairs (rows / 2) per replica, averaged over the job: [pairs, 1] summed over replicas, then
   * divided. Each replica's loss is its pairs' sum over this count, so the mean of the replicas'
   * gradients is the gradient of the mean over all pairs of the global batch, also when SCRL leaves
   * replicas different numbers of box pairs; on one process it is the plain mean.
   */
  private static Operand<TFloat32> pairsPerReplica(Ops tf, Operand<TFloat32> pred,
      BatchMoments.CrossReplicaSum replicaSum) {
    Operand<TFloat32> rows = tf.dtypes.cast(tf.shape(pred).asOutput(), TFloat32.class);
    Operand<TFloat32> pairs = tf.math.div(tf.slice(rows, tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.constant(2f));
    Operand<TFloat32> total = replicaSum.sum(tf, tf.concat(List.of(pairs, tf.constant(new float[] {1f})), tf.constant(0)));
    return tf.reshape(tf.math.div(tf.slice(total, tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.slice(total, tf.constant(new int[] {1}), tf.constant(new int[] {1}))), tf.constant(new int[0]));
  }

  /**
   * torchvision-style name of a variable, as golden.py and the original name them: backbone keys
   * as they are, heads prefixed {@code projector.} / {@code predictor.}, the evaluator
   * {@code evaluator.}; online and target share names.
   */
  public static String torchName(ParamStore.Param p) {
    String[] scope = p.scope().split("/");
    String part = scope[scope.length - 1];
    return part.equals("backbone") ? p.key() : part + "." + p.key();
  }

  // ---- what the training loop runs and fetches -----------------------------------------------

  /** Runs one full step (LARS, EMA, BN running stats, global step + 1). */
  public Op trainOp() {
    return trainOp;
  }

  /**
   * Zeroes the momentum buffers and the global step, and sets the loss scale to its initial value
   * (a fresh run; parameters: {@link ParamStore#initialize}).
   */
  public Op initializer() {
    return initializer;
  }

  /** Total loss (regression + evaluator). */
  public Operand<TFloat32> loss() {
    return loss;
  }

  /** The symmetric regression loss alone (the original's bLoss / sLoss). */
  public Operand<TFloat32> regressionLoss() {
    return byol.loss();
  }

  public RegressionLoss.Symmetric regressionTerms() {
    return byol;
  }

  /** Evaluator cross-entropy, or null without an evaluator. */
  public Operand<TFloat32> evaluatorLoss() {
    return evaluatorResult == null ? null : evaluatorResult.loss();
  }

  /** Evaluator top-1 over both views, in [0, 1], or null without an evaluator. */
  public Operand<TFloat32> evaluatorAccuracy() {
    return evaluatorResult == null ? null : evaluatorResult.accuracy();
  }

  /** The learning rate this step used. */
  public Operand<TFloat32> lr() {
    return lr;
  }

  /** The EMA momentum this step used. */
  public Operand<TFloat32> emaMomentum() {
    return m;
  }

  /** The global step after this step (= steps done); fetch it with {@link #trainOp()}. */
  public Operand<TInt64> globalStepAfter() {
    return globalStepAfter;
  }

  /** The global step variable (checkpointed; set it to resume). */
  public Variable<TInt64> globalStep() {
    return globalStep;
  }

  /** The float16 loss scale (its variables are checkpointed), or null without loss scaling. */
  public DynamicLossScale lossScale() {
    return lossScale;
  }

  public LarsOptimizer optimizer() {
    return optimizer;
  }

  public ParamStore store() {
    return store;
  }

  public ByolNetwork onlineNetwork() {
    return online;
  }

  public ByolNetwork targetNetwork() {
    return target;
  }

  /** The evaluator, or null. */
  public LinearClassifier evaluator() {
    return evaluator;
  }

  /** The online branch's forward (RoI features under SCRL, prediction). */
  public ByolNetwork.Activations online() {
    return onlineActs;
  }

  /** The target branch's forward (no prediction). */
  public ByolNetwork.Activations target() {
    return targetActs;
  }

  /** d loss / d parameter (TF layout) by torch name, after any gradient reduction. */
  public Map<String, Operand<TFloat32>> gradients() {
    return gradients;
  }

  /** Online parameter values after the LARS step, by torch name. */
  public Map<String, Operand<TFloat32>> updatedOnline() {
    return updatedOnline;
  }

  /** Target parameter values after the EMA, by torch name. */
  public Map<String, Operand<TFloat32>> updatedTarget() {
    return updatedTarget;
  }

  /** The batch-norm running-stat assigns (already part of {@link #trainOp()}). */
  public List<Op> batchNormUpdates() {
    return bnUpdates;
  }
}
