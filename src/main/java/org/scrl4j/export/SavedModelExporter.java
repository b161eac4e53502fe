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
 * the running statistics. Variables are {@code backbone/<torchvision name>} in TF layouts. The
 * resize and crop are not part of the model: {@code export} writes them to {@code
 * preprocessing.json} in the directory ({@link Preprocessing}).
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

  /**
   * What a Python user types to run the export; the comment states the run's evaluation transform,
   * which the model does not contain ({@code dir/preprocessing.json} holds the same numbers).
   */
  public static String pythonSnippet(Path dir, Preprocessing p) {
    return String.join("\n",
        "import tensorflow as tf",
        "backbone = tf.saved_model.load(\"" + dir.toAbsolutePath() + "\").signatures[\"serving_default\"]",
        "# x: float32 [N," + p.size() + "," + p.size() + ",3], the run's eval transform (" + Preprocessing.insideDir(dir).getFileName()
            + "): " + p.sentence(),
        "feats = backbone(images=x)",
        "c2, c3, c4, c5, pooled = (feats[k] for k in (\"c2\", \"c3\", \"c4\", \"c5\", \"pooled\"))",
        "");
  }
}
