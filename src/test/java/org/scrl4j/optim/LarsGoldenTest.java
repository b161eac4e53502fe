package org.scrl4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.yaml.snakeyaml.Yaml;

/**
 * One LARS step and the target EMA against torchvision goldens (golden.py --lars-lr 0.45 --wd 1e-6
 * --ema-m 0.97), fed the case's parameters and the golden's gradients: no network involved.
 */
class LarsGoldenTest {
  private static final float LR = 0.45f;
  private static final double WD = 1e-6;
  private static final float M = 0.97f;

  private static Path resource(String name) {
    return org.scrl4j.GraphTesting.trainGolden(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"reference", "clean"})
  void stepAndEmaMatchGolden(String quirks) {
    Map<String, NpyArray> caseFile = Npz.read(resource("r18w8_case.npz"));
    Map<String, NpyArray> golden = Npz.read(resource("r18w8_reference.npz"));
    Map<String, NpyArray> steps = quirks.equals("reference") ? golden : Npz.read(resource("r18w8_clean.npz"));
    LarsGrouping grouping = LarsGrouping.parse(quirks);

    List<String> names = new ArrayList<>();
    for (String k : golden.keySet()) {
      if (k.startsWith("grad/")) {
        names.add(k.substring("grad/".length()));
      }
    }
    assertEquals(70, names.size());

    // our exclusion set equals the one golden.py derives from the torch modules
    @SuppressWarnings("unchecked")
    Map<String, Object> info = new Yaml().load(steps.get("info_json").string());
    TreeSet<String> expectedExcluded = new TreeSet<>((List<String>) info.get("excluded"));
    TreeSet<String> excluded = new TreeSet<>();
    for (String n : names) {
      if (grouping.excludes(n)) {
        excluded.add(n);
      }
    }
    assertEquals(expectedExcluded, excluded);

    Lars lars = Lars.pretraining(WD, grouping);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      for (String n : names) {
        Operand<TFloat32> p = constant(tf, caseFile.get(n));
        Operand<TFloat32> grad = constant(tf, golden.get("grad/" + n));
        Lars.Update u = lars.update(tf, n, p, grad, tf.zerosLike(p), tf.constant(LR));
        fetches.add(u.param());
        // the target follows backbone + projector, not the predictor (a result set cannot hold
        // one output twice, hence the identity)
        fetches.add(n.startsWith("predictor.") ? tf.identity(u.param())
            : Ema.blend(tf, constant(tf, caseFile.get("target." + n)), u.param(), tf.constant(M)));
      }
      try (Session s = new Session(g)) {
        Session.Runner r = s.runner();
        fetches.forEach(r::fetch);
        try (Result res = r.run()) {
          for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            assertClose(steps.get("after_step/" + n).toFloats(),
                org.scrl4j.GraphTesting.floats((TFloat32) res.get(2 * i)), 1e-5, "after_step/" + n);
            if (quirks.equals("reference") && !n.startsWith("predictor.")) {
              assertClose(golden.get("after_ema/target/" + n).toFloats(),
                  org.scrl4j.GraphTesting.floats((TFloat32) res.get(2 * i + 1)), 1e-5, "after_ema/target/" + n);
            }
          }
        }
      }
    }
  }

  private static Operand<TFloat32> constant(Ops tf, NpyArray a) {
    return tf.constant(org.tensorflow.ndarray.Shape.of(a.shape()),
        org.tensorflow.ndarray.buffer.DataBuffers.of(a.toFloats(), true, false));
  }

  /** compare.py's test: max|a - b| <= rtol * max|a|. */
  static void assertClose(float[] expected, float[] actual, double rtol, String what) {
    assertEquals(expected.length, actual.length, what + " size");
    double maxAbs = 0, maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - (double) actual[i]));
    }
    assertTrue(maxDiff <= rtol * maxAbs, what + ": max diff " + maxDiff + " > " + rtol + " * " + maxAbs);
  }
}
