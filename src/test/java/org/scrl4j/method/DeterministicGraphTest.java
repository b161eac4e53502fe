package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.scrl4j.cli.StepBenchmark;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.GraphRewrites;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.model.TensorValues;
import org.scrl4j.optim.EmaSchedule;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsGrouping;
import org.scrl4j.optim.LrSchedule;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The training step computes the same bits every run. The one run-to-run source found in our
 * graphs is TF's CPU AddN: it accumulates into whichever input buffer is free at run time and moves
 * that input first, so with three or more inputs the rounding depends on the executor's schedule
 * (GraphRewrites). This test reads the graph TF actually executed (the partition graphs after
 * grappler) and requires every AddN to be binary, for SCRL on a basic-block ResNet and BYOL on a
 * bottleneck one; it also shows the check sees grappler's output (with the arithmetic optimizer on,
 * 3-input AddNs appear), and that two fresh sessions end bit-identical.
 */
class DeterministicGraphTest {

  private record Built(Graph graph, Placeholder<TFloat32> views, Placeholder<TFloat32> boxes,
      Placeholder<TInt64> labels, ParamStore store, PretrainStep step, int n, int size) {}

  private static Built build(String arch, int width, PretrainStep.Method method, int n, int size) {
    Graph g = new Graph();
    Ops tf = Ops.create(g);
    Placeholder<TFloat32> views = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2 * n, size, size, 3)));
    Placeholder<TFloat32> boxes = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 5)));
    Placeholder<TInt64> labels = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(n)));
    ParamStore store = new ParamStore(tf);
    PretrainStep step = PretrainStep.build(tf, store, PretrainStep.Settings.local(ResNetSpec.of(arch, width),
            new ByolNetwork.HeadSpec(64, 16), method, 5,
            Lars.pretraining(1e-6, LarsGrouping.REFERENCE), new LrSchedule(1.0, 4, 1, 3), new EmaSchedule(0.97, 12)),
        new PretrainStep.Inputs(views, boxes, labels));
    return new Built(g, views, boxes, labels, store, step, n, size);
  }

  /** Runs {@code steps} steps in a fresh session; returns the AddN input counts of the executed graph and a hash of the online weights. */
  private static Map.Entry<List<String>, String> run(Built b, ConfigProto config, int steps) throws Exception {
    Random rnd = new Random(1);
    float[] px = new float[2 * b.n() * b.size() * b.size() * 3];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) rnd.nextGaussian();
    }
    float[] bx = StepBenchmark.boxes(rnd, b.n(), 3, b.size());
    long[] y = new long[b.n()];
    for (int i = 0; i < y.length; i++) {
      y[i] = i % 5;
    }
    List<String> wideAddNs = new ArrayList<>();
    try (Session s = new Session(b.graph(), config);
        TFloat32 v = TensorValues.tensor(px, 2 * b.n(), b.size(), b.size(), 3);
        TFloat32 bt = TensorValues.tensor(bx, bx.length / 5, 5);
        TInt64 yt = TInt64.vectorOf(y)) {
      b.store().initialize(s, 7);
      s.run(b.step().initializer());
      for (int k = 0; k < steps; k++) {
        Session.Runner r = s.runner().feed(b.views(), v).feed(b.boxes(), bt).feed(b.labels(), yt)
            .addTarget(b.step().trainOp()).fetch(b.step().loss());
        if (k == 0) {
          r.setOptions(RunOptions.newBuilder().setOutputPartitionGraphs(true).build());
          try (Result res = r.runAndFetchMetadata()) {
            for (GraphDef part : res.getMetadata().orElseThrow().getPartitionGraphsList()) {
              for (NodeDef node : part.getNodeList()) {
                long inputs = node.getInputList().stream().filter(x -> !x.startsWith("^")).count();
                if (node.getOp().equals("AddN") && inputs > 2) {
                  wideAddNs.add(node.getName() + " (" + inputs + " inputs)");
                }
              }
            }
          }
        } else {
          try (Result res = r.run()) {
            assertTrue(Float.isFinite(TensorValues.scalar(res.get(0))));
          }
        }
      }
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (float[] w : new TreeMap<>(b.store().read(s, "online")).values()) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * w.length);
        bytes.asFloatBuffer().put(w);
        md.update(bytes.array());
      }
      return Map.entry(wideAddNs, HexFormat.of().formatHex(md.digest()));
    }
  }

  private static void assertDeterministic(Built b) throws Exception {
    try (Graph g = b.graph()) {
      Map.Entry<List<String>, String> first = run(b, GraphRewrites.deterministic(), 3);
      assertEquals(List.of(), first.getKey(), "AddN nodes with more than two inputs in the executed graph");
      Map.Entry<List<String>, String> second = run(b, GraphRewrites.deterministic(), 3);
      assertEquals(first.getValue(), second.getValue(), "online weights after 3 steps differ between two sessions");
      // The check reads grappler's output: with the arithmetic optimizer on, it merges additions.
      Map.Entry<List<String>, String> merged = run(b, ConfigProto.getDefaultInstance(), 1);
      assertFalse(merged.getKey().isEmpty(), "grappler's AddOpsRewrite should merge LARS's denominators");
    }
  }

  @Test
  void scrlOnBasicBlocksExecutesOnlyBinarySums() throws Exception {
    assertDeterministic(build("resnet18", 8, PretrainStep.Method.SCRL, 4, 64));
  }

  @Test
  void byolOnBottlenecksExecutesOnlyBinarySums() throws Exception {
    assertDeterministic(build("resnet50", 4, PretrainStep.Method.BYOL, 4, 64));
  }
}
