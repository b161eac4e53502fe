package org.scrl4j.export;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.model.WeightIO;
import org.tensorflow.Session;

/**
 * A complete ResNet backbone in torchvision names and torch layouts (conv [O,I,kh,kw]), float32,
 * checked against its architecture: every tensor present with its exact shape. Every exporter
 * starts from one; build it from torchvision-named arrays, TF-named variables or a live ParamStore.
 */
public final class BackboneWeights {
  private final ResNetSpec spec;
  private final Map<String, NpyArray> torch;

  private BackboneWeights(ResNetSpec spec, Map<String, NpyArray> torch) {
    this.spec = spec;
    this.torch = Collections.unmodifiableMap(torch);
  }

  /**
   * From torchvision names and torch layouts (e.g. a torchvision state_dict saved with numpy).
   * Keys outside the backbone (fc.*, heads, num_batches_tracked) are ignored; the architecture is
   * read from the keys.
   */
  public static BackboneWeights fromTorch(Map<String, NpyArray> torchNamed) {
    return fromTorch(torchNamed, BackboneLayout.infer(torchNamed));
  }

  /** As {@link #fromTorch(Map)}, requiring the given architecture. */
  public static BackboneWeights fromTorch(Map<String, NpyArray> torchNamed, ResNetSpec spec) {
    Map<String, NpyArray> ordered = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : BackboneLayout.torchShapes(spec).entrySet()) {
      NpyArray a = torchNamed.get(e.getKey());
      if (a == null) {
        throw new UserError("backbone weights lack '" + e.getKey() + "' expected in a " + spec
            + "; the weights are of another architecture or incomplete");
      }
      if (!Arrays.equals(a.shape(), e.getValue())) {
        throw new UserError("backbone weight '" + e.getKey() + "' has shape " + Arrays.toString(a.shape())
            + " but a " + spec + " needs " + Arrays.toString(e.getValue()) + "; check the architecture and width");
      }
      ordered.put(e.getKey(), a.dtype() == NpyArray.Dtype.F4 ? a : NpyArray.of(a.toFloats(), a.shape()));
    }
    return new BackboneWeights(spec, ordered);
  }

  /**
   * From variables in TF layouts (conv HWIO) named {@code scope + "/" + torchvisionName}, e.g.
   * scope "online/backbone" of a checkpoint's weights.npz; other names are ignored.
   */
  public static BackboneWeights fromTfVariables(Map<String, NpyArray> tfNamed, String scope, ResNetSpec spec) {
    String prefix = scope + "/";
    Map<String, NpyArray> torch = new LinkedHashMap<>();
    for (Map.Entry<String, NpyArray> e : tfNamed.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        NpyArray v = e.getValue();
        torch.put(e.getKey().substring(prefix.length()), v.rank() == 4 ? hwioToOihw(v) : v);
      }
    }
    if (torch.isEmpty()) {
      throw new UserError("no variables named '" + prefix + "*' (names look like '"
          + tfNamed.keySet().stream().filter(k -> k.contains("/")).findFirst().orElse("<none>") + "')");
    }
    return fromTorch(torch, spec);
  }

  /** The current values of a live model's backbone variables under {@code scope}. */
  public static BackboneWeights fromParamStore(Session session, ParamStore store, String scope, ResNetSpec spec) {
    List<ParamStore.Param> params = store.in(scope);
    Map<String, float[]> values = store.read(session, params);
    Map<String, NpyArray> torch = new LinkedHashMap<>();
    for (ParamStore.Param p : params) {
      torch.put(p.key(), WeightIO.toTorch(p, values.get(p.name())));
    }
    return fromTorch(torch, spec);
  }

  public ResNetSpec spec() {
    return spec;
  }

  /** torchvision name -> torch-layout float32 array, in torchvision state_dict order. */
  public Map<String, NpyArray> torch() {
    return torch;
  }

  /** One tensor's values in TF layout (conv [kh,kw,in,out]; BN vectors unchanged). */
  public float[] tf(String torchName) {
    NpyArray a = torch.get(torchName);
    if (a == null) {
      throw new IllegalArgumentException("no backbone tensor " + torchName);
    }
    return a.rank() == 4 ? oihwToHwio(a).floats() : a.floats();
  }

  /** TF conv kernel [kh,kw,in,out] to torch [out,in,kh,kw]. */
  static NpyArray hwioToOihw(NpyArray a) {
    return permute4(a, 3, 2, 0, 1);
  }

  /** torch conv kernel [out,in,kh,kw] to TF [kh,kw,in,out]. */
  public static NpyArray oihwToHwio(NpyArray a) {
    return permute4(a, 2, 3, 1, 0);
  }

  /** numpy transpose of a rank-4 float array: output axis i is input axis perm[i]. */
  private static NpyArray permute4(NpyArray a, int... perm) {
    long[] in = a.shape();
    float[] src = a.toFloats();
    long[] inStride = {in[1] * in[2] * in[3], in[2] * in[3], in[3], 1};
    long[] out = new long[4];
    long[] step = new long[4];
    for (int i = 0; i < 4; i++) {
      out[i] = in[perm[i]];
      step[i] = inStride[perm[i]];
    }
    float[] dst = new float[src.length];
    int o = 0;
    for (long i0 = 0; i0 < out[0]; i0++) {
      for (long i1 = 0; i1 < out[1]; i1++) {
        for (long i2 = 0; i2 < out[2]; i2++) {
          long base = i0 * step[0] + i1 * step[1] + i2 * step[2];
          for (long i3 = 0; i3 < out[3]; i3++) {
            dst[o++] = src[(int) (base + i3 * step[3])];
          }
        }
      }
    }
    return NpyArray.of(dst, out);
  }
}
