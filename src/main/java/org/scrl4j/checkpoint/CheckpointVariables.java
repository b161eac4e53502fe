package org.scrl4j.checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The graph variables a checkpoint holds (networks, evaluator, optimizer slots, global_step), with
 * the ops to read them all in one session run and to restore them all in another. The restore
 * ops (a placeholder and an Assign per variable) are built in the constructor, so saving and
 * loading never grow the graph. float32 and int64 variables are supported.
 */
public final class CheckpointVariables {
  private static final Logger log = LogManager.getLogger(CheckpointVariables.class);

  private record Entry(Variable<? extends TType> variable, Placeholder<? extends TType> input, Op assign,
      Class<? extends TType> type, long[] dims) {}

  private final Map<String, Entry> entries = new LinkedHashMap<>();

  /**
   * @param tf the training graph's Ops (restore ops go under the "checkpoint_io" sub-scope)
   * @param variables every variable to save, by full TF name, in the order to store them
   */
  public CheckpointVariables(Ops tf, Map<String, ? extends Variable<? extends TType>> variables) {
    Ops io = tf.withSubScope("checkpoint_io");
    variables.forEach((name, v) -> entries.put(name, entry(io, v)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Entry entry(Ops io, Variable<? extends TType> v) {
    Class<? extends TType> type = v.type();
    if (type != TFloat32.class && type != TInt64.class) {
      throw new IllegalArgumentException("checkpoints hold float32 and int64 variables, "
          + v.op().name() + " is " + v.asOutput().dataType());
    }
    Shape shape = v.shape();
    if (shape.isUnknown() || shape.hasUnknownDimension()) {
      throw new IllegalArgumentException("variable " + v.op().name() + " has no static shape: " + shape);
    }
    Placeholder input = io.placeholder((Class) type, Placeholder.shape(shape));
    Op assign = io.assign((Operand) v, input);
    return new Entry(v, input, assign, type, shape.asArray());
  }

  /** The stored names, in order. */
  public Collection<String> names() {
    return entries.keySet();
  }

  /** Every variable's current value (TF layout, row-major), fetched in one session run. */
  public Map<String, NpyArray> read(Session session) {
    Session.Runner runner = session.runner();
    List<String> names = new ArrayList<>(entries.keySet());
    for (String n : names) {
      runner.fetch(entries.get(n).variable());
    }
    Map<String, NpyArray> out = new LinkedHashMap<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        Entry e = entries.get(names.get(i));
        out.put(names.get(i), toArray(result.get(i), e.dims()));
      }
    }
    return out;
  }

  /** Restores every variable from a checkpoint; see {@link #restore(Session, Map, Collection)}. */
  public void restore(Session session, Map<String, NpyArray> values) {
    restore(session, values, entries.keySet());
  }

  /**
   * Assigns the named variables from {@code values} in one session run. Each must be present with
   * the variable's dtype and shape; entries of {@code values} that are not requested are ignored
   * (e.g. an evaluation run that restores only "online/backbone/..." from a full checkpoint).
   *
   * @throws UserError naming the missing or mismatched variables
   */
  public void restore(Session session, Map<String, NpyArray> values, Collection<String> which) {
    List<String> missing = which.stream().filter(n -> !values.containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new UserError("the checkpoint lacks " + missing.size() + " of the model's variables ("
          + preview(missing) + "); it was written by a different model configuration");
    }
    List<Tensor> fed = new ArrayList<>();
    Session.Runner runner = session.runner();
    try {
      for (String name : which) {
        Entry e = entries.get(name);
        if (e == null) {
          throw new IllegalArgumentException("not a checkpoint variable: " + name);
        }
        NpyArray a = values.get(name);
        requireFits(name, e, a);
        Tensor t = toTensor(a, e.type());
        fed.add(t);
        runner.feed(e.input(), t).addTarget(e.assign());
      }
      if (!fed.isEmpty()) {
        runner.run().close();
      }
    } finally {
      fed.forEach(Tensor::close);
    }
    long ignored = values.keySet().stream().filter(n -> !which.contains(n)).count();
    if (ignored > 0) {
      log.info("restored {} variables; {} other entries of the checkpoint are not used here", which.size(), ignored);
    }
  }

  private static void requireFits(String name, Entry e, NpyArray a) {
    NpyArray.Dtype want = e.type() == TFloat32.class ? NpyArray.Dtype.F4 : NpyArray.Dtype.I8;
    if (a.dtype() != want || !Arrays.equals(a.shape(), e.dims())) {
      throw new UserError("checkpoint variable " + name + " is " + a.dtype().descr() + " "
          + Arrays.toString(a.shape()) + " but the model's is " + want.descr() + " " + Arrays.toString(e.dims())
          + "; the checkpoint belongs to a different model configuration");
    }
  }

  private static NpyArray toArray(Tensor t, long[] dims) {
    if (t instanceof TFloat32 f) {
      float[] data = new float[Math.toIntExact(f.shape().size())];
      f.copyTo(DataBuffers.of(data, false, false));
      return NpyArray.of(data, dims);
    }
    TInt64 l = (TInt64) t;
    long[] data = new long[Math.toIntExact(l.shape().size())];
    l.copyTo(DataBuffers.of(data, false, false));
    return NpyArray.of(data, dims);
  }

  private static Tensor toTensor(NpyArray a, Class<? extends TType> type) {
    Shape shape = Shape.of(a.shape());
    if (type == TFloat32.class) {
      return TFloat32.tensorOf(shape, DataBuffers.of(a.floats(), true, false));
    }
    return TInt64.tensorOf(shape, DataBuffers.of(a.longs(), true, false));
  }

  private static String preview(List<String> names) {
    String head = names.stream().limit(5).collect(Collectors.joining(", "));
    return names.size() > 5 ? head + ", ..." : head;
  }
}
