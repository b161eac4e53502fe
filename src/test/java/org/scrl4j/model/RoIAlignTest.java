package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * RoIAlign against torchvision goldens (outputs and feature gradients for all 8 settings), plus
 * invariants. Goldens: src/test/resources/golden/roialign/README.md says how they were made.
 */
class RoIAlignTest {

  private static final Logger LOG = LogManager.getLogger(RoIAlignTest.class);
  private static final double TOL = 1e-5;
  private static final int[] POOLS = {1, 7};
  private static final int[] SAMPLING_RATIOS = {-1, 2};

  /** Edge-case boxes (roi_align.py --make): 5x7 map, borders, sub-cell boxes, outside the map. */
  @Test
  void matchesTorchvisionOnEdgeCases() {
    double worst = checkAllSettings("/golden/roialign/edge_out.npz", false);
    LOG.info("RoIAlign edge cases: worst abs error {}", worst);
  }

  /**
   * An SCRL-like batch: 8 views of a 7x7 map, 2-8 boxes per view (so the per-image padding is
   * exercised), features fed through a placeholder of unknown B, H, W (the run-time shape path).
   */
  @Test
  void matchesTorchvisionOnScrlLikeBatch() {
    double worst = checkAllSettings("/golden/roialign/scrl_out.npz", true);
    LOG.info("RoIAlign SCRL-like batch: worst abs error {}", worst);
  }

  /**
   * Bilinear weights of an in-range sample sum to 1, so a constant map pools to the constant, and
   * d sum(out) / d features sums to K*P*P.
   */
  @Test
  void constantMapGivesTheConstantForInRangeBoxes() {
    int b = 3, h = 6, w = 9, c = 4, k = 25;
    float value = 2.5f;
    float scale = 1f / 16;
    Random rng = new Random(7);
    float[] boxes = new float[k * 5];
    for (int i = 0; i < k; i++) {
      // Start at most one cell before the far edge: without `aligned` a RoI grows to >= 1 cell,
      // and samples past the map edge (> W) read 0, which would break the invariant.
      float x1 = rng.nextFloat() * (w - 1) / scale, y1 = rng.nextFloat() * (h - 1) / scale;
      boxes[5 * i] = rng.nextInt(b);
      boxes[5 * i + 1] = x1;
      boxes[5 * i + 2] = y1;
      boxes[5 * i + 3] = i == 0 ? w / scale : x1 + rng.nextFloat() * (w / scale - x1);
      boxes[5 * i + 4] = i == 0 ? h / scale : y1 + rng.nextFloat() * (h / scale - y1);
    }
    float[] feats = new float[b * h * w * c];
    Arrays.fill(feats, value);
    for (int p : POOLS) {
      for (int sr : SAMPLING_RATIOS) {
        for (boolean aligned : new boolean[] {false, true}) {
          try (Graph g = new Graph(); Session sess = new Session(g)) {
            Ops tf = Ops.create(g);
            Operand<TFloat32> f =
                tf.constant(Shape.of(b, h, w, c), DataBuffers.of(feats, true, false));
            Operand<TFloat32> out =
                RoIAlign.roiAlign(
                    tf, f, tf.constant(Shape.of(k, 5), DataBuffers.of(boxes, true, false)), p,
                    scale, sr, aligned);
            Gradients grad = tf.gradients(tf.sum(out, tf.constant(new int[] {0, 1, 2, 3})),
                List.of(f));
            try (var r = sess.runner().fetch(out).fetch(grad.dy(0)).run()) {
              float[] o = read(r.get(0));
              float[] d = read(r.get(1));
              assertArrayEquals(new long[] {k, p, p, c}, r.get(0).shape().asArray());
              for (float v : o) {
                assertEquals(value, v, 1e-5, "p" + p + " sr" + sr + " aligned " + aligned);
              }
              double total = 0;
              for (float v : d) {
                total += v;
              }
              assertEquals((double) k * p * p * c, total, 1e-3, "gradient mass");
            }
          }
        }
      }
    }
  }

  @Test
  void rejectsBadParameters() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> f = tf.zeros(tf.constant(new int[] {1, 7, 7, 2}), TFloat32.class);
      Operand<TFloat32> boxes = tf.zeros(tf.constant(new int[] {3, 5}), TFloat32.class);
      assertThrows(UserError.class, () -> RoIAlign.roiAlign(tf, f, boxes, 0, 1f / 32, -1, false));
      assertThrows(UserError.class, () -> RoIAlign.roiAlign(tf, f, boxes, 1, 0f, -1, false));
      Operand<TFloat32> badBoxes = tf.zeros(tf.constant(new int[] {3, 4}), TFloat32.class);
      assertThrows(
          UserError.class, () -> RoIAlign.roiAlign(tf, f, badBoxes, 1, 1f / 32, -1, false));
    }
  }

  @Test
  void noBoxesGiveAnEmptyResultAndZeroGradient() {
    try (Graph g = new Graph(); Session sess = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> f = tf.ones(tf.constant(new int[] {2, 7, 7, 3}), TFloat32.class);
      Operand<TFloat32> boxes = tf.zeros(tf.constant(new int[] {0, 5}), TFloat32.class);
      Operand<TFloat32> out = RoIAlign.roiAlign(tf, f, boxes, 7, 1f / 32, -1, false);
      Gradients grad = tf.gradients(tf.sum(out, tf.constant(new int[] {0, 1, 2, 3})), List.of(f));
      try (var r = sess.runner().fetch(out).fetch(grad.dy(0)).run()) {
        assertArrayEquals(new long[] {0, 7, 7, 3}, r.get(0).shape().asArray());
        for (float v : read(r.get(1))) {
          assertEquals(0f, v);
        }
      }
    }
  }

  @Test
  void batchIndexOutsideTheBatchFailsAtRunTime() {
    try (Graph g = new Graph(); Session sess = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> f = tf.zeros(tf.constant(new int[] {2, 7, 7, 2}), TFloat32.class);
      Operand<TFloat32> boxes = tf.constant(new float[][] {{2f, 0f, 0f, 64f, 64f}});
      Operand<TFloat32> out = RoIAlign.roiAlign(tf, f, boxes, 1, 1f / 32, -1, false);
      RuntimeException e =
          assertThrows(RuntimeException.class, () -> sess.runner().fetch(out).run().close());
      assertTrue(e.getMessage().contains("batch index"), e.getMessage());
    }
  }

  /** Runs all 8 settings of one golden file; returns the worst absolute error seen. */
  private static double checkAllSettings(String resource, boolean unknownDims) {
    Map<String, NpyArray> z = readGolden(resource);
    NpyArray feats = z.get("features_nhwc");
    NpyArray boxes = z.get("boxes");
    float scale = z.get("spatial_scale").toFloats()[0];
    double worst = 0;
    for (int p : POOLS) {
      NpyArray weight = z.get("w_p" + p + "_nhwc");
      for (int sr : SAMPLING_RATIOS) {
        for (int a = 0; a <= 1; a++) {
          String tag = "p" + p + "_sr" + sr + "_a" + a;
          try (Graph g = new Graph(); Session sess = new Session(g)) {
            Ops tf = Ops.create(g);
            long c = feats.shape()[3];
            Shape fShape = unknownDims ? Shape.of(-1, -1, -1, c) : Shape.of(feats.shape());
            Placeholder<TFloat32> f = tf.placeholder(TFloat32.class, Placeholder.shape(fShape));
            Operand<TFloat32> out =
                RoIAlign.roiAlign(tf, f, constant(tf, boxes), p, scale, sr, a == 1);
            Operand<TFloat32> loss =
                tf.sum(tf.math.mul(out, constant(tf, weight)), tf.constant(new int[] {0, 1, 2, 3}));
            Gradients grad = tf.gradients(loss, List.of(f));
            try (TFloat32 fIn = tensor(feats);
                var r = sess.runner().feed(f, fIn).fetch(out).fetch(grad.dy(0)).run()) {
              NpyArray wantOut = z.get("out_nhwc/" + tag);
              NpyArray wantGrad = z.get("grad_nhwc/" + tag);
              assertArrayEquals(wantOut.shape(), r.get(0).shape().asArray(), tag + " out shape");
              assertArrayEquals(wantGrad.shape(), r.get(1).shape().asArray(), tag + " grad shape");
              worst = Math.max(worst, assertClose(wantOut.doubles(), read(r.get(0)), tag + " out"));
              worst =
                  Math.max(worst, assertClose(wantGrad.doubles(), read(r.get(1)), tag + " grad"));
            }
          }
        }
      }
    }
    return worst;
  }

  private static double assertClose(double[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + " size");
    double worst = 0;
    int at = 0;
    for (int i = 0; i < want.length; i++) {
      double e = Math.abs(want[i] - got[i]);
      if (!(e <= worst)) {
        worst = e;
        at = i;
      }
    }
    assertTrue(
        worst <= TOL,
        what + ": max abs error " + worst + " at flat index " + at + " (want " + want[at]
            + ", got " + got[at] + ")");
    return worst;
  }

  /** The goldens are float64; the op runs in float32. */
  private static Operand<TFloat32> constant(Ops tf, NpyArray a) {
    return tf.constant(Shape.of(a.shape()), DataBuffers.of(a.toFloats(), true, false));
  }

  private static TFloat32 tensor(NpyArray a) {
    return TFloat32.tensorOf(Shape.of(a.shape()), DataBuffers.of(a.toFloats(), true, false));
  }

  private static Map<String, NpyArray> readGolden(String resource) {
    try {
      return Npz.read(Path.of(RoIAlignTest.class.getResource(resource).toURI()));
    } catch (URISyntaxException | NullPointerException e) {
      throw new AssertionError("missing test resource " + resource, e);
    }
  }

  private static float[] read(Tensor t) {
    TFloat32 f = (TFloat32) t;
    float[] v = new float[(int) f.size()];
    f.copyTo(DataBuffers.of(v, false, false));
    return v;
  }
}
