package org.scrl4j.export;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.GraphRewrites;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNet;
import org.scrl4j.model.TensorValues;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A backbone alone in its own graph and session, inference mode (batch norm with the running
 * statistics): images in, C2..C5 and the pooled feature out. It is the training model's ResNet
 * ({@link ResNet}) with its variables under scope {@value #SCOPE} (VariableV2, TF layouts), filled
 * through feeds so the graph holds no copy of the weights. {@link SavedModelExporter} saves this
 * graph; {@code embed} runs it.
 */
public final class BackboneSession implements AutoCloseable {
  /** Name of the input: float32 [N,H,W,3], RGB in [0,1] normalised with ImageNet mean/std. */
  public static final String INPUT = "images";
  /** Output names: layer1..layer4 maps (NHWC, strides 4, 8, 16, 32) and the pooled [N,C]. */
  public static final List<String> OUTPUTS = List.of("c2", "c3", "c4", "c5", "pooled");
  /** Variable scope of the exported weights: {@code backbone/layer1.0.conv1.weight}, ... */
  public static final String SCOPE = "backbone";

  private final BackboneWeights weights;
  private final Graph graph;
  private final Session session;
  private final Placeholder<TFloat32> images;
  private final Map<String, Operand<TFloat32>> outputs = new LinkedHashMap<>();

  public BackboneSession(BackboneWeights weights) {
    this.weights = weights;
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      ParamStore store = new ParamStore(tf);
      ResNet net = ResNet.create(store, SCOPE, weights.spec());
      images = tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      ResNet.Endpoints e = net.apply(ForwardContext.inference(tf.withSubScope("forward")), images);
      List<Operand<TFloat32>> outs = List.of(e.c2(), e.c3(), e.c4(), e.c5(), e.pooled());
      for (int i = 0; i < outs.size(); i++) {
        outputs.put(OUTPUTS.get(i), tf.withName(OUTPUTS.get(i)).identity(outs.get(i)));
      }
      store.buildIoOps();
      session = new Session(graph, GraphRewrites.cpu()); // as training on a CPU: the same bits every run
      Map<String, float[]> values = new LinkedHashMap<>();
      for (String key : weights.torch().keySet()) {
        values.put(SCOPE + "/" + key, weights.tf(key));
      }
      if (values.size() != store.all().size()) {
        throw new IllegalStateException("backbone has " + store.all().size() + " variables, weights "
            + values.size());
      }
      store.write(session, values);
    } catch (RuntimeException ex) {
      graph.close();
      throw ex;
    }
  }

  public BackboneWeights weights() {
    return weights;
  }

  Session session() {
    return session;
  }

  /** The serving signature "serving_default": {@value #INPUT} -> {@link #OUTPUTS}. */
  public Signature signature() {
    Signature.Builder b = Signature.builder().key(Signature.DEFAULT_KEY).input(INPUT, images);
    outputs.forEach(b::output);
    return b.methodName("tensorflow/serving/predict").build();
  }

  /** Runs the backbone on NHWC images; returns every output by name. */
  public Map<String, NpyArray> run(NpyArray imagesNhwc) {
    return run(imagesNhwc, OUTPUTS);
  }

  /** Runs the backbone on NHWC images and fetches only the named outputs. */
  public Map<String, NpyArray> run(NpyArray imagesNhwc, List<String> names) {
    Map<String, NpyArray> out = new LinkedHashMap<>();
    try (TFloat32 in = tensor(imagesNhwc)) {
      Session.Runner r = session.runner().feed(images, in);
      for (String n : names) {
        Operand<TFloat32> o = outputs.get(n);
        if (o == null) {
          throw new IllegalArgumentException("no backbone output " + n + "; have " + OUTPUTS);
        }
        r.fetch(o);
      }
      try (Result res = r.run()) {
        for (int i = 0; i < names.size(); i++) {
          out.put(names.get(i), copy((TFloat32) res.get(i)));
        }
      }
    }
    return out;
  }

  static TFloat32 tensor(NpyArray a) {
    return TensorValues.tensor(a.floats(), a.shape());
  }

  /** Copies a tensor's values out while it is alive (reading after close gives garbage). */
  static NpyArray copy(TFloat32 t) {
    return NpyArray.of(TensorValues.floats(t), t.shape().asArray());
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
