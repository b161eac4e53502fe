package org.scrl4j.data;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;

/**
 * Decodes single encoded images on the host with the same TensorFlow kernel as the pipeline, to
 * find out which record a failed pipeline step choked on.
 */
final class ImageChecker implements AutoCloseable {
  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> input;
  private final DecodeImage<TUint8> decoded;

  ImageChecker() {
    Ops tf = Ops.create(graph);
    input = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    decoded = InputPipeline.decode(tf, input);
    session = new Session(graph);
  }

  /** Null when the bytes decode to an RGB image, else TensorFlow's reason. */
  String problem(byte[] encoded) {
    try (TString t = TString.tensorOfBytes(NdArrays.scalarOfObject(encoded));
        var r = session.runner().feed(input, t).fetch(decoded).run()) {
      return null;
    } catch (RuntimeException e) { // TF errors map to several Java types (TFInvalidArgumentException is an IllegalArgumentException)
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      int nl = m.indexOf('\n');
      return (nl > 0 ? m.substring(0, nl) : m).trim();
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }

}
