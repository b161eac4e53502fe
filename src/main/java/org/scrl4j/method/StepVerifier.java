package org.scrl4j.method;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.GraphRewrites;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.Precision;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.model.TensorValues;
import org.scrl4j.model.WeightIO;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsGrouping;
import org.scrl4j.optim.Schedule;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Runs one {@link PretrainStep} on a reference case (make_case.py's .npz: torchvision weights,
 * views, boxes) and returns what golden.py computes, under golden.py's keys and torch layouts, so
 * the two files compare key by key.
 */
public final class StepVerifier {

  /** The step's hyper-parameters, as golden.py's flags. */
  public record Options(PretrainStep.Method method, LarsGrouping grouping, double lr,
      double weightDecay, double emaMomentum, Precision precision, boolean fusedBatchNorm) {

    /** Options in float32, the precision golden.py's yardstick is computed in. */
    public Options(PretrainStep.Method method, LarsGrouping grouping, double lr, double weightDecay,
        double emaMomentum) {
      this(method, grouping, lr, weightDecay, emaMomentum, Precision.FLOAT32);
    }

    /** Options with the batch-norm kernel that {@code precision} trains with on one process. */
    public Options(PretrainStep.Method method, LarsGrouping grouping, double lr, double weightDecay,
        double emaMomentum, Precision precision) {
      this(method, grouping, lr, weightDecay, emaMomentum, precision, precision.fusedBatchNorm(1));
    }
  }

  private StepVerifier() {}

  /** The method golden.py's {@code --mode auto} picks: SCRL when the case has boxes. */
  public static PretrainStep.Method autoMethod(Map<String, NpyArray> caseFile) {
    return caseFile.containsKey("boxes") ? PretrainStep.Method.SCRL : PretrainStep.Method.BYOL;
  }

  /** The architecture the case's backbone keys describe (block type, depth, width). */
  static ResNetSpec archOf(Map<String, NpyArray> c) {
    require(c, "conv1.weight");
    return ResNetSpec.fromShapes(NpyArray.shapes(c));
  }

  static NpyArray require(Map<String, NpyArray> c, String key) {
    NpyArray a = c.get(key);
    if (a == null) {
      throw new UserError("the case file has no '" + key + "' entry (make it with make_case.py)");
    }
    return a;
  }

  /** One step on the case; returns golden.py's keys (all but dloss/*). */
  public static Map<String, NpyArray> run(Map<String, NpyArray> c, Options o) {
    ResNetSpec arch = archOf(c);
    ByolNetwork.HeadSpec heads = new ByolNetwork.HeadSpec(
        require(c, "projector.net.0.weight").shape()[0], require(c, "projector.net.3.weight").shape()[0]);
    NpyArray views = require(c, "views");
    long[] v = views.shape(); // [2N, 3, S, S]
    NpyArray boxes = o.method() == PretrainStep.Method.SCRL ? require(c, "boxes") : null;

    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> viewsIn = tf.withName("views").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(v[0], v[2], v[3], v[1])));
      Placeholder<TFloat32> boxesIn = boxes == null ? null : tf.withName("boxes").placeholder(
          TFloat32.class, Placeholder.shape(Shape.of(boxes.shape())));
      ParamStore store = new ParamStore(tf);
      PretrainStep step = PretrainStep.build(tf, store, PretrainStep.Settings.local(arch, heads,
              o.method(), 0, Lars.pretraining(o.weightDecay(), o.grouping()),
              Schedule.constant(o.lr()), Schedule.constant(o.emaMomentum())).forPrecision(o.precision(), 1)
              .withFusedBatchNorm(o.fusedBatchNorm()),
          new PretrainStep.Inputs(viewsIn, boxesIn, null));

      Fetches f = new Fetches();
      f.add("loss", step.loss(), null);
      f.add("loss_terms_v1", step.regressionTerms().termsV1(), null);
      f.add("loss_terms_v2", step.regressionTerms().termsV2(), null);
      activations(f, "online/", step.online());
      activations(f, "target/", step.target());
      Map<String, ParamStore.Param> onlineByName = byTorchName(store.in("online"));
      Map<String, ParamStore.Param> targetByName = byTorchName(store.in("target"));
      step.gradients().forEach((n, t) -> f.add("grad/" + n, t, onlineByName.get(n)));
      step.updatedOnline().forEach((n, t) -> f.add("after_step/" + n, t, onlineByName.get(n)));
      step.updatedTarget().forEach((n, t) -> f.add("after_ema/target/" + n, t, targetByName.get(n)));

      Map<String, NpyArray> out = new LinkedHashMap<>();
      // the training session's options on a CPU (DistContext.sessionConfig), then the precision's
      try (Session s = new Session(g, GraphRewrites.cpu(o.precision()))) {
        store.initialize(s, 0);
        store.write(s, caseValues(c, store));
        s.run(step.initializer());
        float[] nhwc = permute(views.toFloats(), v, new int[] {0, 2, 3, 1});
        try (TFloat32 viewsT = TensorValues.tensor(nhwc, v[0], v[2], v[3], v[1]);
             TFloat32 boxesT = boxes == null ? null : TensorValues.tensor(boxes.toFloats(), boxes.shape())) {
          Session.Runner r = s.runner().feed(viewsIn, viewsT).addTarget(step.trainOp());
          if (boxesT != null) {
            r.feed(boxesIn, boxesT);
          }
          f.fetchInto(r, out);
        }
        // running statistics after the step (golden.py: after the forward; the step does not change them otherwise)
        List<ParamStore.Param> running = store.all().stream().filter(p -> p.kind() == ParamStore.Kind.BN_RUNNING_MEAN
            || p.kind() == ParamStore.Kind.BN_RUNNING_VAR).toList();
        Map<String, float[]> stats = store.read(s, running);
        for (ParamStore.Param p : running) {
          out.put("bn_after/" + p.scope().split("/")[0] + "/" + PretrainStep.torchName(p),
              NpyArray.of(stats.get(p.name()), p.dims()));
        }
      }
      NpyArray l4nhwc = out.get("online/layer4_nhwc");
      long[] d = l4nhwc.shape();
      out.put("online/layer4", NpyArray.of(permute(l4nhwc.floats(), d, new int[] {0, 3, 1, 2}),
          d[0], d[3], d[1], d[2]));
      return out;
    }
  }

  private static void activations(Fetches f, String side, ByolNetwork.Activations a) {
    if (side.equals("online/")) {
      f.add("online/layer4_nhwc", a.c5(), null);
      f.add("online/pred", a.prediction(), null);
    }
    f.add(side + "pooled", a.pooled(), null);
    if (a.roi() != null) {
      f.add(side + "roi", a.roi(), null);
    }
    f.add(side + "proj", a.projection(), null);
  }

  private static Map<String, ParamStore.Param> byTorchName(List<ParamStore.Param> params) {
    Map<String, ParamStore.Param> m = new HashMap<>();
    params.forEach(p -> m.put(PretrainStep.torchName(p), p));
    return m;
  }

  /**
   * Every variable's value from the case, in TF layout: online from the plain keys, target from
   * {@code target.<name>} or, when the case has none, a copy of the online value.
   */
  static Map<String, float[]> caseValues(Map<String, NpyArray> c, ParamStore store) {
    boolean separateTarget = c.keySet().stream().anyMatch(k -> k.startsWith("target."));
    Map<String, float[]> values = new LinkedHashMap<>();
    for (ParamStore.Param p : store.all()) {
      String name = PretrainStep.torchName(p);
      String key = p.scope().startsWith("target/") && separateTarget ? "target." + name : name;
      NpyArray a = c.get(key);
      if (a == null) {
        if (p.scope().startsWith("online/evaluator")) {
          continue;
        }
        throw new UserError("the case file has no '" + key + "' for variable " + p.name());
      }
      values.put(p.name(), WeightIO.fromTorch(p, a, key, "case"));
    }
    return values;
  }

  /** out[i_perm[0], i_perm[1], ...] = in[i_0, i_1, ...], like numpy's transpose(perm). */
  static float[] permute(float[] in, long[] dims, int[] perm) {
    int rank = dims.length;
    long[] outDims = new long[rank];
    for (int i = 0; i < rank; i++) {
      outDims[i] = dims[perm[i]];
    }
    long[] inStrides = strides(dims);
    float[] out = new float[in.length];
    int[] idx = new int[rank]; // index into out
    for (int o = 0; o < out.length; o++) {
      long src = 0;
      for (int i = 0; i < rank; i++) {
        src += idx[i] * inStrides[perm[i]];
      }
      out[o] = in[(int) src];
      for (int i = rank - 1; i >= 0; i--) {
        if (++idx[i] < outDims[i]) {
          break;
        }
        idx[i] = 0;
      }
    }
    return out;
  }

  private static long[] strides(long[] dims) {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  /** Named fetches of one run, de-duplicated (a run cannot fetch one output twice). */
  private static final class Fetches {
    private final List<String> keys = new ArrayList<>();
    private final List<ParamStore.Param> params = new ArrayList<>();
    private final List<Integer> slot = new ArrayList<>();
    private final List<Output<?>> outputs = new ArrayList<>();

    void add(String key, Operand<TFloat32> t, ParamStore.Param layoutOf) {
      Output<?> o = t.asOutput();
      int i = outputs.indexOf(o);
      if (i < 0) {
        outputs.add(o);
        i = outputs.size() - 1;
      }
      keys.add(key);
      params.add(layoutOf);
      slot.add(i);
    }

    void fetchInto(Session.Runner r, Map<String, NpyArray> out) {
      outputs.forEach(r::fetch);
      try (Result res = r.run()) {
        for (int k = 0; k < keys.size(); k++) {
          TFloat32 t = (TFloat32) res.get(slot.get(k));
          float[] values = TensorValues.floats(t);
          long[] dims = t.shape().asArray();
          ParamStore.Param p = params.get(k);
          if (p != null) {
            out.put(keys.get(k), WeightIO.toTorch(p, values));
          } else {
            out.put(keys.get(k), NpyArray.of(values, dims));
          }
        }
      }
    }
  }
}
