package org.scrl4j.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * {@link Lars} applied to variables: owns one momentum buffer per parameter (a variable named
 * {@code <scope>/momentum/<parameter variable name>}, zero-initialised, saved in checkpoints) and
 * builds the assign ops of one step ({@code <scope>/step}).
 */
public final class LarsOptimizer {

  /**
   * One parameter to update. {@code name} (torchvision-style, e.g. {@code layer1.0.bn1.weight},
   * {@code projector.net.1.weight}, {@code evaluator.bias}) decides LARS's grouping;
   * {@code variable} is assigned; {@code value} is its read and {@code grad} d loss / d value.
   */
  public record Slot(String name, Variable<TFloat32> variable, Operand<TFloat32> value,
      Operand<TFloat32> grad) {}

  /** A momentum buffer and the parameter variable it belongs to. */
  public record Momentum(String paramVariable, Variable<TFloat32> variable, Shape shape) {}

  /**
   * The ops of one step. {@code step} runs every assign; {@code newValues} are the updated
   * parameter values keyed by {@link Slot#name} (read these instead of the variables to chain
   * further updates, e.g. the target EMA, within the same run).
   */
  public record Step(Op step, Map<String, Operand<TFloat32>> newValues) {}

  private final Lars lars;
  private final String scope;
  private final List<Momentum> buffers = new ArrayList<>();
  private Op initializer;

  /** @param scope name scope of the step's ops and momentum variables, e.g. {@code lars} */
  public LarsOptimizer(Lars lars, String scope) {
    this.lars = lars;
    this.scope = scope;
  }

  public Lars lars() {
    return lars;
  }

  /**
   * Builds one step: new momentum {@code v} and parameter values for every slot, then the
   * assigns. Every new value is computed only after ALL gradients exist: the parameter reads are
   * aliases of the variables' buffers, which an in-place assign would otherwise overwrite while
   * the backward pass still needs them.
   */
  public Step apply(Ops tf, List<Slot> slots, Operand<TFloat32> lr) {
    return apply(tf, slots, lr, null);
  }

  /**
   * {@link #apply(Ops, List, Operand)} that leaves every parameter and momentum buffer as it was
   * when {@code applyStep} is false (a skipped float16 step, {@link DynamicLossScale}); null: always.
   */
  public Step apply(Ops tf, List<Slot> slots, Operand<TFloat32> lr, Operand<TBool> applyStep) {
    if (initializer != null) {
      throw new IllegalStateException("apply() was already called on this optimizer");
    }
    Ops ops = tf;
    for (String part : scope.split("/")) {
      ops = ops.withSubScope(part);
    }
    List<Op> gradients = new ArrayList<>();
    for (Slot s : slots) {
      gradients.add(ops.identity(s.grad()));
    }
    Ops afterGradients = ops.withControlDependencies(
        List.of(ops.withControlDependencies(gradients).withName("gradients_ready").noOp()));
    List<Op> assigns = new ArrayList<>();
    List<Op> inits = new ArrayList<>();
    Map<String, Operand<TFloat32>> newValues = new LinkedHashMap<>();
    Map<String, Ops> scopes = new java.util.HashMap<>();
    for (Slot s : slots) {
      String varName = s.variable().op().name();
      Shape shape = s.variable().shape();
      Variable<TFloat32> v = named(ops, scopes, "momentum/" + varName).variable(shape, TFloat32.class);
      buffers.add(new Momentum(varName, v, shape));
      inits.add(ops.assign(v, ops.zerosLike(s.value())));
      Lars.Update u = lars.update(afterGradients, s.name(), s.value(), s.grad(), v, lr);
      Operand<TFloat32> param = u.param();
      Operand<TFloat32> momentum = u.momentum();
      if (applyStep != null) {
        param = DynamicLossScale.ifApplied(afterGradients, applyStep, param, s.value());
        momentum = DynamicLossScale.ifApplied(afterGradients, applyStep, momentum, v);
      }
      newValues.put(s.name(), param);
      assigns.add(ops.assign(v, momentum));
      assigns.add(ops.assign(s.variable(), param));
    }
    initializer = ops.withControlDependencies(inits).withName("init").noOp();
    Op step = ops.withControlDependencies(assigns).withName("step").noOp();
    return new Step(step, newValues);
  }

  /**
   * {@code ops} naming its next op {@code path} below its scope ('/' separates sub-scopes). Each
   * sub-scope is opened once and reused from {@code scopes}: TF Java's withSubScope scans every
   * operation of the graph, so one per momentum buffer made building a ResNet-50 step's LARS
   * take about a minute.
   */
  static Ops named(Ops ops, Map<String, Ops> scopes, String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? ops.withName(path)
        : subScope(ops, scopes, path.substring(0, slash)).withName(path.substring(slash + 1));
  }

  private static Ops subScope(Ops ops, Map<String, Ops> scopes, String path) {
    Ops s = scopes.get(path);
    if (s == null) {
      int slash = path.lastIndexOf('/');
      s = slash < 0 ? ops.withSubScope(path)
          : subScope(ops, scopes, path.substring(0, slash)).withSubScope(path.substring(slash + 1));
      scopes.put(path, s);
    }
    return s;
  }

  /** The momentum buffers, in slot order (for checkpoints). */
  public List<Momentum> momentumBuffers() {
    return List.copyOf(buffers);
  }

  /** Sets every momentum buffer to 0 (a fresh run). Available after {@link #apply}. */
  public Op initializer() {
    if (initializer == null) {
      throw new IllegalStateException("apply() first");
    }
    return initializer;
  }
}
