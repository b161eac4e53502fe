package org.scrl4j.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A backbone in its own graph and session, inference mode: images in, C2..C5 and the pooled
 * feature out. The weights live in VariableV2 variables named {@code backbone/<torchvision name>}
 * (TF layouts), filled through feeds so the graph carries no copy of them; this is the graph that
 * {@link SavedModelExporter} saves, and what {@code embed} runs.
 */
public final class BackboneSession implements AutoCloseable {
  /** Name of the input: float32 [N,H,W,3], RGB, (x/255 - mean) / std with ImageNet mean/std. */
  public static final String INPUT = "images";
  /** Output names: layer1..layer4 maps (NHWC, strides 4, 8, 16, 32) and the pooled [N,C]. */
  public static final List<String> OUTPUTS = List.of("c2", "c3", "c4", "c5", "pooled");
  public static final String VARIABLE_SCOPE = "backbone";

  private final BackboneArch arch;
  private final Graph graph;
  private final Session session;
  private final Placeholder<TFloat32> images;
  private final Map<String, Operand<TFloat32>> outputs = new LinkedHashMap<>();

  public BackboneSession(BackboneWeights weights) {
    this.arch = weights.arch();
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      Map<String, Variable<TFloat32>> vars = new LinkedHashMap<>();
      List<Placeholder<TFloat32>> initValues = new ArrayList<>();
      List<Operand<TFloat32>> inits = new ArrayList<>();
      for (String name : weights.torch().keySet()) {
        FloatArray a = weights.tf(name);
        Variable<TFloat32> v =
            tf.withSubScope(VARIABLE_SCOPE).withName(name).variable(Shape.of(a.shape()), TFloat32.class);
        Placeholder<TFloat32> value = tf.withSubScope("init_value").withName(name)
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(a.shape())));
        vars.put(name, v);
        initValues.add(value);
        inits.add(tf.withSubScope("init").withName(name).assign(v, value));
      }
      images = tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      InferenceResNet.Features f = InferenceResNet.build(tf, images, arch, vars::get);
      List<Operand<TFloat32>> outs = List.of(f.c2(), f.c3(), f.c4(), f.c5(), f.pooled());
      for (int i = 0; i < outs.size(); i++) {
        outputs.put(OUTPUTS.get(i), tf.withName(OUTPUTS.get(i)).identity(outs.get(i)));
      }
      session = new Session(graph);
      // One run for all assignments: every distinct feed/fetch set costs a graph pruning pass.
      List<TFloat32> values = new ArrayList<>();
      try {
        Session.Runner r = session.runner();
        int i = 0;
        for (String name : weights.torch().keySet()) {
          TFloat32 t = tensor(weights.tf(name));
          values.add(t);
          r.feed(initValues.get(i), t).addTarget(inits.get(i));
          i++;
        }
        r.run();
      } finally {
        values.forEach(TFloat32::close);
      }
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  public BackboneArch arch() {
    return arch;
  }

  Session session() {
    return session;
  }

  /** The serving signature: {@value #INPUT} -> {@link #OUTPUTS}. */
  public Signature signature() {
    Signature.Builder b = Signature.builder().key(Signature.DEFAULT_KEY).input(INPUT, images);
    outputs.forEach(b::output);
    return b.methodName("tensorflow/serving/predict").build();
  }

  /** Runs the backbone on NHWC images; returns every output by name. */
  public Map<String, FloatArray> run(FloatArray imagesNhwc) {
    return run(imagesNhwc, OUTPUTS);
  }

  /** Runs the backbone on NHWC images and fetches only the named outputs. */
  public Map<String, FloatArray> run(FloatArray imagesNhwc, List<String> names) {
    Map<String, FloatArray> out = new LinkedHashMap<>();
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

  static TFloat32 tensor(FloatArray a) {
    return TFloat32.tensorOf(Shape.of(a.shape()), DataBuffers.of(a.data(), true, false));
  }

  /** Copies a tensor's values out while it is alive (reading after close gives garbage). */
  static FloatArray copy(TFloat32 t) {
    float[] data = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(data, false, false));
    return new FloatArray(t.shape().asArray(), data);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
