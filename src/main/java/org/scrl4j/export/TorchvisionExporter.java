package org.scrl4j.export;

import java.nio.file.Path;
import org.scrl4j.io.Npz;

/**
 * Writes a backbone as an .npz in torchvision ResNet names and torch layouts (conv [O,I,kh,kw]),
 * float32, which {@code torchvision.models.resnetXX().load_state_dict(..., strict=False)} accepts
 * (strict=False because fc.* and num_batches_tracked are not part of a backbone).
 */
public final class TorchvisionExporter {
  private TorchvisionExporter() {}

  public static void write(BackboneWeights w, Path out) {
    ExportPaths.prepareFile(out);
    Npz.write(out, w.torch());
  }

  /**
   * The PyTorch lines that load the file into torchvision's ResNet, and {@code preprocess}, the
   * run's evaluation transform on a PIL image (the numbers of {@code FILE.preprocessing.json}).
   */
  public static String pythonSnippet(BackboneWeights w, Path out, Preprocessing p) {
    String ctor = w.spec().width() == 64
        ? "torchvision.models." + w.spec().arch() + "()"
        : "<your " + w.spec().arch() + " narrowed to width " + w.spec().width() + ">";
    return String.join("\n",
        "import numpy as np, torch, torchvision",
        "from torchvision import transforms as T",
        "state = {k: torch.from_numpy(v) for k, v in np.load(\"" + out.toAbsolutePath() + "\").items()}",
        "model = " + ctor + "; print(model.load_state_dict(state, strict=False))  # missing: only fc.*",
        "preprocess = " + p.torchvision() + "  # the run's eval transform: x = preprocess(pil_image.convert(\"RGB\"))",
        "");
  }
}
