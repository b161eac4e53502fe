package org.scrl4j.export;

import java.nio.file.Path;
import org.scrl4j.common.UserError;
import org.scrl4j.data.DecodedImage;
import org.scrl4j.data.augment.ViewTransforms;
import org.scrl4j.io.NpyArray;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * The evaluation transform of training and the linear probe, {@link ViewTransforms#center}, as a
 * TF graph on one image file: decode as the input pipelines do ({@link
 * DecodedImage#decodeEncoded}: JPEG/PNG/GIF/BMP, 3 channels, first frame), resize the shorter side
 * to {@code size + pad} with PIL's bicubic, centre-crop {@code size}, normalise with the ImageNet
 * mean/std. With (224, 32) this is the original's torchvision Resize(256, bicubic),
 * CenterCrop(224), ToTensor, Normalize. Output [size, size, 3] NHWC row.
 */
public final class EvalTransform implements AutoCloseable {
  private final int size;
  private final int pad;
  private final Graph graph;
  private final Session session;
  private final Placeholder<TString> file;
  private final Operand<TFloat32> output;

  /** The original's ImageNet evaluation transform (the config defaults): resize 256, centre crop 224. */
  public static EvalTransform imagenet() {
    return new EvalTransform(Preprocessing.imagenet("the original's"));
  }

  public EvalTransform(Preprocessing p) {
    this(p.size(), p.pad());
  }

  /** Resize the shorter side to {@code size + pad}, centre crop {@code size} x {@code size}. */
  public EvalTransform(int size, int pad) {
    if (size < 1 || pad < 0) {
      throw new IllegalArgumentException("eval transform needs size >= 1 and pad >= 0, got " + size + "/" + pad);
    }
    this.size = size;
    this.pad = pad;
    graph = new Graph();
    Ops tf = Ops.create(graph);
    file = tf.placeholder(TString.class);
    Operand<TUint8> pixels = DecodedImage.decodeEncoded(tf, tf.io.readFile(file));
    output = ViewTransforms.center(tf, pixels, size, pad).image();
    session = new Session(graph);
  }

  /** Side of the square output. */
  public int size() {
    return size;
  }

  public int pad() {
    return pad;
  }

  /** The normalised centre crop of one image file, [size, size, 3]. */
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
