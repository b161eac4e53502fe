package org.scrl4j.data;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * Decodes single encoded images on the host with the same TensorFlow kernel as the pipeline: to
 * find the record a failed pipeline step choked on, and to validate images while converting.
 * Not thread-safe; use one per thread.
 */
final class ImageChecker implements AutoCloseable {
  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> input;
  private final org.tensorflow.op.core.Shape<TInt32> shape;

  /** Height and width of a decodable image, or the reason it is not decodable. */
  record Decoded(int height, int width, String problem) {
    boolean ok() {
      return problem == null;
    }
  }

  ImageChecker() {
    Ops tf = Ops.create(graph);
    input = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    DecodeImage<TUint8> decoded = DecodedImage.decodeEncoded(tf, input);
    shape = tf.shape(decoded);
    session = new Session(graph);
  }

  Decoded decode(byte[] encoded) {
    try (TString t = TString.tensorOfBytes(NdArrays.scalarOfObject(encoded));
        var r = session.runner().feed(input, t).fetch(shape).run()) {
      TInt32 s = (TInt32) r.get(0);
      return new Decoded(s.getInt(0), s.getInt(1), null);
    } catch (RuntimeException e) { // TF errors are not one type (TFInvalidArgumentException is an IAE)
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
      int nl = m.indexOf('\n');
      return new Decoded(0, 0, nl > 0 ? m.substring(0, nl).strip() : m);
    }
  }

  /** Null when the bytes decode to an RGB image, else TensorFlow's reason. */
  String problem(byte[] encoded) {
    return decode(encoded).problem();
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
