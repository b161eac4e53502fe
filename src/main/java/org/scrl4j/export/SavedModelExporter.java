package org.scrl4j.export;

import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;

/**
 * Writes a backbone as a TensorFlow SavedModel (saved_model.pb + variables/), tag "serve",
 * signature "serving_default": input {@code images} float32 [N,H,W,3] (RGB in [0,1], then
 * normalised with ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225)); outputs
 * {@code c2..c5} (layer1..layer4, NHWC, strides 4..32) and {@code pooled} [N,C]. Batch norm uses
 * the running statistics. Variables are {@code backbone/<torchvision name>} in TF layouts.
 */
public final class SavedModelExporter {
  private SavedModelExporter() {}

  /** Exports to {@code dir}, which must be new or empty. */
  public static void export(BackboneWeights weights, Path dir) throws IOException {
    ExportPaths.prepareDir(dir);
    try (BackboneSession backbone = new BackboneSession(weights)) {
      SavedModelBundle.exporter(dir.toString())
          .withTags(SavedModelBundle.DEFAULT_TAG)
          .withFunction(SessionFunction.create(backbone.signature(), backbone.session()))
          .export();
    }
  }

  /** What a Python user types to run the export. */
  public static String pythonSnippet(Path dir) {
    return String.join("\n",
        "import tensorflow as tf",
        "backbone = tf.saved_model.load(\"" + dir.toAbsolutePath() + "\").signatures[\"serving_default\"]",
        "feats = backbone(images=x)  # x: float32 [N,H,W,3], (rgb/255 - [0.485,0.456,0.406]) / [0.229,0.224,0.225]",
        "c2, c3, c4, c5, pooled = (feats[k] for k in (\"c2\", \"c3\", \"c4\", \"c5\", \"pooled\"))",
        "");
  }
}
