package org.scrl4j.eval;

import java.util.ArrayList;
import java.util.List;
import org.scrl4j.config.Config;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.loss.EvaluatorLoss;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.LinearClassifier;
import org.scrl4j.model.ParamStore;
import org.scrl4j.optim.Gradients;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsGrouping;
import org.scrl4j.optim.LarsOptimizer;
import org.scrl4j.optim.LrSchedule;
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
 * The probe's graph: a new Linear(dim, classes) on frozen features, its cross-entropy, LARS (every
 * tensor adapted, Nesterov as configured) on warm-up + cosine, gradients averaged over replicas;
 * and its top-1 on validation features fed from the host.
 */
final class LinearProbe {
  private final DistContext dist;
  private final EvaluatorLoss.Result trainLoss;
  private final Operand<TFloat32> lr;
  private final Op trainOp;
  private final Op init;
  private final Placeholder<TFloat32> fedValFeatures;
  private final Placeholder<TInt64> fedValLabels;
  private final Operand<TFloat32> valCorrect;
  private final Top1Counter counter;

  /**
   * @param trainFeatures one training batch's features [batch, dim], labels {@code trainLabels}
   * @param stepsPerEpoch the schedule's steps per epoch
   */
  LinearProbe(Ops tf, ParamStore store, Config cfg, DistContext dist, Collectives collectives,
      long dim, int classes, Operand<TFloat32> trainFeatures, Operand<TInt64> trainLabels,
      long stepsPerEpoch) {
    this.dist = dist;
    ForwardContext inference = ForwardContext.inference(tf);
    LinearClassifier head = LinearClassifier.create(store, "linear", dim, classes);
    trainLoss = EvaluatorLoss.of(tf.withSubScope("loss"),
        head.apply(inference.in("head"), trainFeatures), trainLabels, classes);
    fedValFeatures = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, dim)));
    fedValLabels = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
    valCorrect = Top1Counter.correct(tf, head.apply(inference.in("val_head"), fedValFeatures),
        fedValLabels);

    int epochs = cfg.eval().maxEpochs();
    int batch = cfg.eval().batchSizeTrain();
    double baseLr = cfg.eval().optim().lr() * ExperimentSpec.globalBatch(cfg, batch) / 256.0;
    Variable<TInt64> globalStep = tf.withName("linear_step").variable(Shape.scalar(), TInt64.class);
    Operand<TInt64> k = tf.math.add(globalStep, tf.constant(0L));
    lr = new LrSchedule(baseLr, stepsPerEpoch, cfg.eval().warmupEpochs(), epochs)
        .forGlobalStep(tf, k);
    List<ParamStore.Param> params = List.of(head.weight(), head.bias());
    List<Operand<TFloat32>> values = new ArrayList<>();
    params.forEach(p -> values.add(p.value()));
    List<Operand<TFloat32>> grads = Gradients.of(tf, "linear_gradients", trainLoss.loss(), values);
    if (collectives != null) {
      grads = collectives.allReduceMean(grads);
    }
    LarsOptimizer optimizer = new LarsOptimizer(new Lars(cfg.eval().optim().weightDecay(),
        LarsGrouping.NONE, cfg.eval().optim().nesterov()), "linear_lars");
    List<LarsOptimizer.Slot> slots = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      slots.add(new LarsOptimizer.Slot("linear." + params.get(i).key(), params.get(i).variable(),
          values.get(i), grads.get(i)));
    }
    LarsOptimizer.Step update = optimizer.apply(tf, slots, lr);
    trainOp = tf.withControlDependencies(List.of(update.step()))
        .assignAdd(globalStep, tf.constant(1L));
    init = tf.withControlDependencies(List.of(optimizer.initializer(),
        tf.assign(globalStep, tf.constant(0L)))).noOp();
    counter = new Top1Counter(tf, collectives);
  }

  /** Resets the optimiser state and the step (after the parameters are initialised). */
  void initialize(Session session) {
    session.runner().addTarget(init).run().close();
  }

  /** One optimiser step's runner, fetching loss, batch accuracy and lr; feed it, then run it. */
  Session.Runner step(Session session) {
    return session.runner().addTarget(trainOp).fetch(trainLoss.loss())
        .fetch(trainLoss.accuracy()).fetch(lr);
  }

  /** Top-1 in percent on the validation rows of every replica. */
  double top1(Session session, FeatureSet val) {
    float hits = 0;
    int chunk = 4096;
    for (int start = 0; start < val.size(); start += chunk) {
      int[] rows = new int[Math.min(chunk, val.size() - start)];
      for (int j = 0; j < rows.length; j++) {
        rows[j] = start + j;
      }
      try (TFloat32 f = val.features(rows); TInt64 l = val.labels(rows);
          Result r = session.runner().feed(fedValFeatures, f).feed(fedValLabels, l)
              .fetch(valCorrect).run()) {
        hits += ((TFloat32) r.get(0)).getFloat();
      }
    }
    return counter.top1(session, dist, hits, val.size());
  }
}
