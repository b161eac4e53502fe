package org.scrl4j.export;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.scrl4j.UserError;

/**
 * A complete ResNet backbone in torchvision names and torch layouts (conv [O,I,kh,kw]), checked
 * against its architecture: every tensor present with its exact shape. All exporters start here.
 */
public final class BackboneWeights {
  private final BackboneArch arch;
  private final Map<String, FloatArray> torch;

  private BackboneWeights(BackboneArch arch, Map<String, FloatArray> torch) {
    this.arch = arch;
    this.torch = Collections.unmodifiableMap(torch);
  }

  /**
   * From torchvision names and torch layouts. Keys outside the backbone (fc.*, heads,
   * num_batches_tracked) are ignored; the architecture is read from the keys.
   */
  public static BackboneWeights fromTorch(Map<String, FloatArray> torchNamed) {
    return fromTorch(torchNamed, BackboneArch.infer(torchNamed));
  }

  /** As {@link #fromTorch(Map)}, requiring the given architecture. */
  public static BackboneWeights fromTorch(Map<String, FloatArray> torchNamed, BackboneArch arch) {
    Map<String, FloatArray> ordered = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : arch.torchShapes().entrySet()) {
      FloatArray a = torchNamed.get(e.getKey());
      if (a == null) {
        throw new UserError("backbone weights lack '" + e.getKey() + "' expected in a " + arch
            + "; the weights are of another architecture or incomplete");
      }
      if (!Arrays.equals(a.shape(), e.getValue())) {
        throw new UserError("backbone weight '" + e.getKey() + "' has shape " + Arrays.toString(a.shape())
            + " but a " + arch + " needs " + Arrays.toString(e.getValue())
            + "; check the architecture and width");
      }
      ordered.put(e.getKey(), a);
    }
    return new BackboneWeights(arch, ordered);
  }

  /**
   * From variables in TF layouts (conv HWIO) named {@code prefix + torchvisionName}, e.g. prefix
   * "online/backbone/" of a checkpoint; other names are ignored.
   */
  public static BackboneWeights fromTfVariables(Map<String, FloatArray> tfNamed, String prefix, BackboneArch arch) {
    Map<String, FloatArray> torch = new LinkedHashMap<>();
    for (Map.Entry<String, FloatArray> e : tfNamed.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        FloatArray v = e.getValue();
        torch.put(e.getKey().substring(prefix.length()), v.rank() == 4 ? v.hwioToOihw() : v);
      }
    }
    if (torch.isEmpty()) {
      throw new UserError("no variables named '" + prefix + "*' found (names look like '"
          + tfNamed.keySet().stream().findFirst().orElse("<none>") + "')");
    }
    return arch == null ? fromTorch(torch) : fromTorch(torch, arch);
  }

  public BackboneArch arch() {
    return arch;
  }

  /** torchvision name -> torch-layout array, in torchvision state_dict order. */
  public Map<String, FloatArray> torch() {
    return torch;
  }

  /** One tensor in TF layout (conv [kh,kw,in,out]; BN vectors unchanged). */
  public FloatArray tf(String torchName) {
    FloatArray a = torch.get(torchName);
    if (a == null) {
      throw new IllegalArgumentException("no backbone tensor " + torchName);
    }
    return a.rank() == 4 ? a.oihwToHwio() : a;
  }
}
