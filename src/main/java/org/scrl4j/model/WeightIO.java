package org.scrl4j.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.tensorflow.Session;

/**
 * Moves model variables to and from torchvision-named, torch-layout arrays (.npz): conv
 * [O,I,kh,kw] <-> TF [kh,kw,I,O], linear [out,in] <-> TF [in,out], vectors unchanged. Each
 * {@link Binding} maps a variable scope to a key prefix, e.g. {@code online/backbone} -> "" and
 * {@code target/projector} -> "target.projector." as in the reference harness's case files.
 */
public final class WeightIO {
  private WeightIO() {}

  /** Variables under {@code scope} are stored as {@code prefix + torchvision key}. */
  public record Binding(String scope, String prefix) {}

  /** Keys that torch state dicts carry but the model has no variable for. */
  public static final Predicate<String> TORCH_BOOKKEEPING = k -> k.endsWith(".num_batches_tracked");

  /**
   * The reference layout: online backbone unprefixed, {@code projector.}, {@code predictor.},
   * target backbone {@code target.}, target projector {@code target.projector.}, online
   * evaluator {@code evaluator.}; only scopes that exist in {@code store} are bound.
   */
  public static List<Binding> standardBindings(ParamStore store) {
    List<Binding> all = List.of(new Binding("online/backbone", ""), new Binding("online/projector", "projector."),
        new Binding("online/predictor", "predictor."), new Binding("target/backbone", "target."),
        new Binding("target/projector", "target.projector."), new Binding("online/evaluator", "evaluator."));
    return all.stream().filter(b -> !store.in(b.scope()).isEmpty()).toList();
  }

  /** The torch shape of a variable (conv OIHW, linear [out,in]). */
  public static long[] torchShape(ParamStore.Param p) {
    long[] s = p.dims();
    return switch (p.kind()) {
      case CONV_WEIGHT -> new long[] {s[3], s[2], s[0], s[1]};
      case LINEAR_WEIGHT -> new long[] {s[1], s[0]};
      default -> s;
    };
  }

  /** A TF-layout value of {@code p} in torch layout. */
  public static NpyArray toTorch(ParamStore.Param p, float[] tf) {
    long[] s = p.dims();
    float[] out = switch (p.kind()) {
      case CONV_WEIGHT -> hwioToOihw(tf, (int) s[0], (int) s[1], (int) s[2], (int) s[3]);
      case LINEAR_WEIGHT -> transpose(tf, (int) s[0], (int) s[1]);
      default -> tf.clone();
    };
    return NpyArray.of(out, torchShape(p));
  }

  /** A torch-layout array as the TF-layout value of {@code p}; a UserError names a shape mismatch. */
  public static float[] fromTorch(ParamStore.Param p, NpyArray a, String key, String source) {
    long[] want = torchShape(p);
    if (!Arrays.equals(want, a.shape())) {
      throw new UserError(source + ": '" + key + "' has shape " + Arrays.toString(a.shape()) + ", expected "
          + Arrays.toString(want) + " for " + p.name() + " (wrong architecture or width?)");
    }
    if (a.dtype() != NpyArray.Dtype.F4 && a.dtype() != NpyArray.Dtype.F8) {
      throw new UserError(source + ": '" + key + "' has dtype " + a.dtype().descr() + ", expected <f4 or <f8");
    }
    float[] v = a.toFloats();
    long[] s = p.dims();
    return switch (p.kind()) {
      case CONV_WEIGHT -> oihwToHwio(v, (int) s[3], (int) s[2], (int) s[0], (int) s[1]);
      case LINEAR_WEIGHT -> transpose(v, (int) s[1], (int) s[0]);
      default -> v;
    };
  }

  /** Torch-layout arrays of every bound variable, keyed {@code prefix + key}. */
  public static Map<String, NpyArray> export(Session session, ParamStore store, List<Binding> bindings) {
    Map<String, NpyArray> out = new LinkedHashMap<>();
    for (Binding b : bindings) {
      List<ParamStore.Param> params = store.in(b.scope());
      Map<String, float[]> values = store.read(session, params);
      for (ParamStore.Param p : params) {
        out.put(b.prefix() + p.key(), toTorch(p, values.get(p.name())));
      }
    }
    return out;
  }

  /** Writes {@link #export} to an .npz file. */
  public static void save(Path file, Session session, ParamStore store, List<Binding> bindings) {
    Npz.write(file, export(session, store, bindings));
  }

  /**
   * Checks and converts torch-layout arrays to TF-layout values keyed by variable name. Every
   * bound variable must be present; a key that no binding uses is an error unless
   * {@code ignore} accepts it (pass e.g. {@code k -> !k.contains(".")} to skip non-weights).
   */
  public static Map<String, float[]> convert(ParamStore store, Map<String, NpyArray> arrays, List<Binding> bindings,
      Predicate<String> ignore, String source) {
    Map<String, float[]> values = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    java.util.Set<String> used = new java.util.HashSet<>();
    for (Binding b : bindings) {
      for (ParamStore.Param p : store.in(b.scope())) {
        String key = b.prefix() + p.key();
        NpyArray a = arrays.get(key);
        if (a == null) {
          missing.add(key);
          continue;
        }
        used.add(key);
        values.put(p.name(), fromTorch(p, a, key, source));
      }
    }
    if (!missing.isEmpty()) {
      throw new UserError(source + " lacks " + missing.size() + " weight(s) the model needs, e.g. '"
          + String.join("', '", missing.subList(0, Math.min(5, missing.size())))
          + "' (wrong architecture, or a file of another model?)");
    }
    List<String> extra = arrays.keySet().stream()
        .filter(k -> !used.contains(k) && !TORCH_BOOKKEEPING.test(k) && !ignore.test(k)).toList();
    if (!extra.isEmpty()) {
      throw new UserError(source + " has " + extra.size() + " entr" + (extra.size() == 1 ? "y" : "ies")
          + " the model does not use, e.g. '" + String.join("', '", extra.subList(0, Math.min(5, extra.size())))
          + "' (wrong architecture or width?)");
    }
    return values;
  }

  /** {@link #convert}s and assigns the arrays to the variables in one session run. */
  public static void load(Session session, ParamStore store, Map<String, NpyArray> arrays, List<Binding> bindings,
      Predicate<String> ignore, String source) {
    store.write(session, convert(store, arrays, bindings, ignore, source));
  }

  /** Loads an .npz file; see {@link #load(Session, ParamStore, Map, List, Predicate, String)}. */
  public static void load(Path file, Session session, ParamStore store, List<Binding> bindings, Predicate<String> ignore) {
    load(session, store, Npz.read(file), bindings, ignore, file.toString());
  }

  // ---- layouts --------------------------------------------------------------------------------

  static float[] oihwToHwio(float[] src, int o, int i, int h, int w) {
    float[] dst = new float[src.length];
    for (int oo = 0; oo < o; oo++) {
      for (int ii = 0; ii < i; ii++) {
        for (int hh = 0; hh < h; hh++) {
          int srcBase = ((oo * i + ii) * h + hh) * w;
          for (int ww = 0; ww < w; ww++) {
            dst[((hh * w + ww) * i + ii) * o + oo] = src[srcBase + ww];
          }
        }
      }
    }
    return dst;
  }

  static float[] hwioToOihw(float[] src, int h, int w, int i, int o) {
    float[] dst = new float[src.length];
    for (int hh = 0; hh < h; hh++) {
      for (int ww = 0; ww < w; ww++) {
        for (int ii = 0; ii < i; ii++) {
          int srcBase = ((hh * w + ww) * i + ii) * o;
          for (int oo = 0; oo < o; oo++) {
            dst[((oo * i + ii) * h + hh) * w + ww] = src[srcBase + oo];
          }
        }
      }
    }
    return dst;
  }

  /** [rows, cols] -> [cols, rows]. */
  static float[] transpose(float[] src, int rows, int cols) {
    float[] dst = new float[src.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        dst[c * rows + r] = src[r * cols + c];
      }
    }
    return dst;
  }
}
