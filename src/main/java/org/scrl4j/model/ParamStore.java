package org.scrl4j.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.UserError;
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
 * Every TensorFlow variable of a model, named {@code <scope>/<torchvision key>} (e.g.
 * {@code online/backbone/layer1.0.conv1.weight}), in TF layouts (conv HWIO, linear [in,out]).
 *
 * <p>Scopes used by the model: {@code online/backbone}, {@code online/projector},
 * {@code online/predictor}, {@code target/backbone}, {@code target/projector},
 * {@code online/evaluator}. Online and target variables are distinct and initialised
 * independently (the per-variable random stream is keyed by the full name).
 *
 * <p>The initialiser and the read/write ops are built once, on first use, so repeated
 * {@link #write} calls never grow the graph. Build them before the first session run of a
 * distributed graph with {@link #buildIoOps()} if the graph must be frozen.
 */
public final class ParamStore {

  /** What a variable is; decides its initialiser, its torch layout and whether it is trained. */
  public enum Kind {
    CONV_WEIGHT(true), LINEAR_WEIGHT(true), LINEAR_BIAS(true), BN_GAMMA(true), BN_BETA(true),
    BN_RUNNING_MEAN(false), BN_RUNNING_VAR(false);

    private final boolean trainable;

    Kind(boolean trainable) {
      this.trainable = trainable;
    }

    public boolean trainable() {
      return trainable;
    }

    public boolean isBatchNorm() {
      return this == BN_GAMMA || this == BN_BETA || this == BN_RUNNING_MEAN || this == BN_RUNNING_VAR;
    }
  }

  /**
   * One variable. {@code value} is its read (an Identity of the variable): build the model and
   * take gradients on it; {@code variable} is the ref to assign to. {@code fanIn} is the torch
   * Linear fan-in for LINEAR_WEIGHT/LINEAR_BIAS (their U(-1/sqrt(fanIn), 1/sqrt(fanIn)) init),
   * {@code fanOut} the torch conv fan-out (O*kh*kw) for CONV_WEIGHT; 0 otherwise.
   */
  public record Param(String name, String scope, String key, Kind kind, boolean trainable,
      Variable<TFloat32> variable, Operand<TFloat32> value, Shape shape, long fanIn, long fanOut) {

    public long size() {
      return shape.size();
    }

    /** The shape as long[] (TF layout). */
    public long[] dims() {
      return shape.asArray();
    }
  }

  /** The four variables of one batch-norm layer. */
  public record BatchNormParams(Param gamma, Param beta, Param runningMean, Param runningVar) {
    public long channels() {
      return gamma.shape().size(0);
    }
  }

  private final Ops tf;
  private final Map<String, Ops> scopes = new HashMap<>();
  private final Map<String, Param> byName = new LinkedHashMap<>();
  private Placeholder<TInt64> seedInput;
  private Op initOp;
  private final Map<String, Placeholder<TFloat32>> writeInputs = new HashMap<>();
  private final Map<String, Op> writeOps = new HashMap<>();

  /** Variables are created through {@code tf} (normally the graph's root {@code Ops}). */
  public ParamStore(Ops tf) {
    this.tf = tf;
  }

  public Ops tf() {
    return tf;
  }

  // ---- creation -------------------------------------------------------------------------------

  /** Conv weight, TF layout [kh, kw, in, out]; torch init: Kaiming normal, fan_out, ReLU gain. */
  public Param conv(String scope, String key, int kh, int kw, long in, long out) {
    return add(scope, key, Kind.CONV_WEIGHT, Shape.of(kh, kw, in, out), 0, out * kh * kw);
  }

  /** Linear weight, TF layout [in, out]; torch default init U(+-1/sqrt(in)). */
  public Param linearWeight(String scope, String key, long in, long out) {
    return add(scope, key, Kind.LINEAR_WEIGHT, Shape.of(in, out), in, 0);
  }

  /** Linear bias [out]; torch default init U(+-1/sqrt(in)). */
  public Param linearBias(String scope, String key, long in, long out) {
    return add(scope, key, Kind.LINEAR_BIAS, Shape.of(out), in, 0);
  }

  /** The four variables of a batch norm named {@code <prefix>.weight/.bias/.running_mean/.running_var}. */
  public BatchNormParams batchNorm(String scope, String prefix, long channels) {
    Shape s = Shape.of(channels);
    return new BatchNormParams(
        add(scope, prefix + ".weight", Kind.BN_GAMMA, s, 0, 0),
        add(scope, prefix + ".bias", Kind.BN_BETA, s, 0, 0),
        add(scope, prefix + ".running_mean", Kind.BN_RUNNING_MEAN, s, 0, 0),
        add(scope, prefix + ".running_var", Kind.BN_RUNNING_VAR, s, 0, 0));
  }

  /** Creates a float32 VariableV2 {@code scope/key}. Scope components are separated by '/'. */
  public synchronized Param add(String scope, String key, Kind kind, Shape shape, long fanIn, long fanOut) {
    String name = scope + "/" + key;
    if (byName.containsKey(name)) {
      throw new IllegalArgumentException("variable " + name + " already exists");
    }
    if (initOp != null || !writeOps.isEmpty()) {
      throw new IllegalStateException("variable " + name + " added after the store's init/io ops were built");
    }
    Ops s = scopeOps(scope);
    Variable<TFloat32> v = s.withName(key).variable(shape, TFloat32.class);
    if (!v.op().name().equals(name)) {
      throw new IllegalStateException("variable " + name + " got the graph name " + v.op().name()
          + " (another op already uses the name)");
    }
    Operand<TFloat32> read = s.withName(key + ".read").identity(v);
    Param p = new Param(name, scope, key, kind, kind.trainable(), v, read, shape, fanIn, fanOut);
    byName.put(name, p);
    return p;
  }

  private Ops scopeOps(String scope) {
    Ops s = scopes.get(scope);
    if (s == null) {
      int slash = scope.lastIndexOf('/');
      Ops parent = slash < 0 ? tf : scopeOps(scope.substring(0, slash));
      s = parent.withSubScope(scope.substring(slash + 1));
      scopes.put(scope, s);
    }
    return s;
  }

  // ---- lookup ---------------------------------------------------------------------------------

  /** All variables in creation order. */
  public List<Param> all() {
    return List.copyOf(byName.values());
  }

  /** Variables whose scope is {@code scope} or below it (e.g. "online" or "online/backbone"). */
  public List<Param> in(String scope) {
    List<Param> out = new ArrayList<>();
    for (Param p : byName.values()) {
      if (p.scope().equals(scope) || p.scope().startsWith(scope + "/")) {
        out.add(p);
      }
    }
    return out;
  }

  /** Trainable variables (weights, biases, BN gamma/beta) under {@code scope}. */
  public List<Param> trainable(String scope) {
    return in(scope).stream().filter(Param::trainable).toList();
  }

  public List<Param> ofKind(String scope, Kind kind) {
    return in(scope).stream().filter(p -> p.kind() == kind).toList();
  }

  /** The variable with this full name, or a UserError naming it. */
  public Param get(String name) {
    Param p = byName.get(name);
    if (p == null) {
      throw new UserError("no model variable named " + name);
    }
    return p;
  }

  public Param get(String scope, String key) {
    return get(scope + "/" + key);
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The variable with the same key in another scope (e.g. target twin of an online weight). */
  public Param counterpart(Param p, String otherScope) {
    return get(otherScope, p.key());
  }

  /** Number of scalar values in the variables under {@code scope}, trainable only or all. */
  public long count(String scope, boolean trainableOnly) {
    return in(scope).stream().filter(p -> !trainableOnly || p.trainable()).mapToLong(Param::size).sum();
  }

  // ---- initialisation -------------------------------------------------------------------------

  /**
   * One op that initialises every variable, torchvision-style, from the int64 scalar fed to
   * {@link #seedInput()}. Each variable draws from a stateless stream keyed by (seed, hash of its
   * name), so values do not depend on creation order and online/target differ.
   */
  public synchronized Op initializer() {
    if (initOp == null) {
      Ops s = tf.withSubScope("param_init");
      seedInput = s.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      Operand<TInt64> seed1 = s.reshape(seedInput, s.constant(new long[] {1}));
      List<Op> assigns = new ArrayList<>();
      for (Param p : byName.values()) {
        Operand<TInt64> seed = s.concat(List.of(seed1, s.constant(new long[] {nameHash(p.name())})), s.constant(0));
        assigns.add(s.assign(p.variable(), initialValue(s, p, seed)));
      }
      initOp = s.withControlDependencies(assigns).withName("all").noOp();
    }
    return initOp;
  }

  public synchronized Placeholder<TInt64> seedInput() {
    initializer();
    return seedInput;
  }

  /** Runs the initialiser with {@code seed}. */
  public void initialize(Session session, long seed) {
    Op init = initializer();
    try (TInt64 t = TInt64.scalarOf(seed)) {
      session.runner().feed(seedInput, t).addTarget(init).run().close();
    }
  }

  private static Operand<TFloat32> initialValue(Ops s, Param p, Operand<TInt64> seed) {
    Operand<TInt64> shape = s.constant(p.dims());
    return switch (p.kind()) {
      case CONV_WEIGHT -> {
        // torch.nn.init.kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2/fan_out)
        float std = (float) Math.sqrt(2.0 / p.fanOut());
        yield s.math.mul(s.random.statelessRandomNormal(shape, seed), s.constant(std));
      }
      case LINEAR_WEIGHT, LINEAR_BIAS -> {
        // torch.nn.Linear.reset_parameters: kaiming_uniform(a=sqrt(5)) == U(+-1/sqrt(fan_in)), same for bias
        float bound = (float) (1.0 / Math.sqrt(p.fanIn()));
        Operand<TFloat32> u = s.random.statelessRandomUniform(shape, seed);
        yield s.math.mul(s.math.sub(s.math.mul(u, s.constant(2f)), s.constant(1f)), s.constant(bound));
      }
      case BN_GAMMA, BN_RUNNING_VAR -> s.fill(shape, s.constant(1f));
      case BN_BETA, BN_RUNNING_MEAN -> s.fill(shape, s.constant(0f));
    };
  }

  /** 64-bit FNV-1a of the UTF-8 name: a stable per-variable stream id. */
  static long nameHash(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return h;
  }

  // ---- reading and writing values -------------------------------------------------------------

  /** Values of the given variables (TF layout, row-major), keyed by full name. */
  public Map<String, float[]> read(Session session, Collection<Param> params) {
    Map<String, float[]> out = new LinkedHashMap<>();
    if (params.isEmpty()) {
      return out;
    }
    Session.Runner r = session.runner();
    List<Param> list = List.copyOf(params);
    for (Param p : list) {
      r.fetch(p.variable());
    }
    try (Result res = r.run()) {
      for (int i = 0; i < list.size(); i++) {
        out.put(list.get(i).name(), TensorValues.floats(res.get(i)));
      }
    }
    return out;
  }

  /** Values of every variable under {@code scope}, keyed by full name. */
  public Map<String, float[]> read(Session session, String scope) {
    return read(session, in(scope));
  }

  /** One variable's value. */
  public float[] read(Session session, Param p) {
    return read(session, List.of(p)).get(p.name());
  }

  /** Builds the feed+assign ops of every variable now (they are otherwise built on first write). */
  public synchronized void buildIoOps() {
    if (!writeOps.isEmpty() || byName.isEmpty()) {
      return;
    }
    Ops s = tf.withSubScope("param_io");
    for (Param p : byName.values()) {
      Placeholder<TFloat32> in = s.placeholder(TFloat32.class, Placeholder.shape(p.shape()));
      writeInputs.put(p.name(), in);
      writeOps.put(p.name(), s.assign(p.variable(), in));
    }
  }

  /** Sets variables (keyed by full name, TF layout, row-major) in one session run. */
  public void write(Session session, Map<String, float[]> values) {
    buildIoOps();
    Session.Runner r = session.runner();
    List<AutoCloseable> tensors = new ArrayList<>();
    try {
      for (Map.Entry<String, float[]> e : values.entrySet()) {
        Param p = get(e.getKey());
        if (e.getValue().length != p.size()) {
          throw new UserError("value for " + p.name() + " has " + e.getValue().length
              + " elements, the variable has shape " + p.shape() + " (" + p.size() + ")");
        }
        TFloat32 t = TensorValues.tensor(e.getValue(), p.dims());
        tensors.add(t);
        r.feed(writeInputs.get(p.name()), t).addTarget(writeOps.get(p.name()));
      }
      if (!tensors.isEmpty()) {
        r.run().close();
      }
    } finally {
      for (AutoCloseable t : tensors) {
        try {
          t.close();
        } catch (Exception ignored) {
          // closing a tensor does not fail
        }
      }
    }
  }

  /** Unmodifiable view of names, for diagnostics. */
  public Collection<String> names() {
    return Collections.unmodifiableCollection(byName.keySet());
  }
}
