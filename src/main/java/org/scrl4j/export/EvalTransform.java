package org.scrl4j.export;

import java.nio.file.Path;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.op.image.ScaleAndTranslate;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * The evaluation transform of the original (torchvision Resize(256, bicubic), CenterCrop(224),
 * ToTensor, Normalize) as a TF graph on one image file: decode (JPEG/PNG/GIF/BMP, 3 channels),
 * resize the shorter side to 256 with an antialiased Keys cubic (a = -0.5, PIL's bicubic),
 * round to 8-bit levels as PIL does, centre-crop 224 (offset rounded half-to-even like Python's
 * round), scale to [0,1] and normalise with the ImageNet mean/std. Output [224,224,3] NHWC row.
 */
public final class EvalTransform implements AutoCloseable {
  public static final int RESIZE = 256;
  public static final int CROP = 224;
  public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  public static final float[] STD = {0.229f, 0.224f, 0.225f};

  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> file;
  private final Operand<TFloat32> output;

  public EvalTransform() {
    Ops tf = Ops.create(graph);
    file = tf.placeholder(TString.class);
    Operand<?> pixels = tf.image.decodeImage(tf.io.readFile(file),
        new DecodeImage.Options[] {DecodeImage.channels(3L), DecodeImage.expandAnimations(false)});
    Operand<TFloat32> x = tf.dtypes.cast(pixels, TFloat32.class);
    Operand<TFloat32> hw = tf.dtypes.cast(
        tf.stridedSlice(tf.shape(pixels), tf.constant(new int[] {0}), tf.constant(new int[] {2}),
            tf.constant(new int[] {1})), TFloat32.class);
    Operand<TFloat32> shorter = tf.min(hw, tf.constant(0));
    // torchvision: shorter side -> 256, longer -> int(256 * longer / shorter)
    Operand<TFloat32> newHw = tf.math.floor(tf.math.div(tf.math.mul(hw, tf.constant((float) RESIZE)), shorter));
    Operand<TFloat32> resized = tf.image.scaleAndTranslate(
        tf.expandDims(x, tf.constant(0)), tf.dtypes.cast(newHw, TInt32.class), tf.math.div(newHw, hw),
        tf.constant(new float[] {0f, 0f}),
        ScaleAndTranslate.kernelType("keyscubic"), ScaleAndTranslate.antialias(true));
    Operand<TFloat32> levels = tf.math.round(tf.clipByValue(resized, tf.constant(0f), tf.constant(255f)));
    Operand<TInt32> topLeft = tf.dtypes.cast(
        tf.math.rint(tf.math.div(tf.math.sub(newHw, tf.constant((float) CROP)), tf.constant(2f))), TInt32.class);
    Operand<TInt32> begin = tf.concat(java.util.List.of(tf.constant(new int[] {0}), topLeft, tf.constant(new int[] {0})),
        tf.constant(0));
    Operand<TFloat32> crop = tf.slice(levels, begin, tf.constant(new int[] {1, CROP, CROP, 3}));
    Operand<TFloat32> unit = tf.math.div(crop, tf.constant(255f));
    output = tf.reshape(
        tf.math.div(tf.math.sub(unit, tf.constant(MEAN)), tf.constant(STD)),
        tf.constant(new int[] {CROP, CROP, 3}));
    session = new Session(graph);
  }

  /** The normalised centre crop of one image file, [224,224,3]. */
  public NpyArray apply(Path image) {
    try (TString name = TString.scalarOf(image.toString());
        Result r = session.runner().feed(file, name).fetch(output).run()) {
      return BackboneSession.copy((TFloat32) r.get(0));
    } catch (RuntimeException e) { // TF's status exceptions (TFInvalidArgumentException, ...) are unrelated types
      throw new UserError("cannot decode image " + image + " (" + firstLine(e.getMessage())
          + "); JPEG, PNG, GIF and BMP are supported");
    }
  }

  private static String firstLine(String s) {
    return s == null ? "unknown error" : s.strip().split("\n")[0];
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
