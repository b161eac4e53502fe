package org.scrl4j.data.boxes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.scrl4j.data.augment.TfRun;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

class BoxGeneratorTest {
  private static final int H = 300;
  private static final int W = 400;

  /** One generated pair with its inputs and the uniforms the graph drew. */
  record Sample(int[] crop1, boolean flip1, int[] crop2, boolean flip2, long seed, boolean valid,
      double[][] boxes1, double[][] boxes2, double[][][] draws) {}

  private static int[] randomCrop(Random rnd) {
    double frac = 0.2 + 0.8 * rnd.nextDouble();
    double ratio = Math.exp(Math.log(0.75) + rnd.nextDouble() * Math.log(16.0 / 9));
    int w = (int) Math.min(W, Math.rint(Math.sqrt(H * W * frac * ratio)));
    int h = (int) Math.min(H, Math.rint(Math.sqrt(H * W * frac / ratio)));
    return new int[] {rnd.nextInt(H - h + 1), rnd.nextInt(W - w + 1), h, w};
  }

  /** Runs the graph generator on n random crop pairs (the seeds of crop pairs are 0..n-1). */
  static List<Sample> generate(BoxParams p, int n, long javaSeed) {
    Random rnd = new Random(javaSeed);
    List<Sample> out = new ArrayList<>();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TInt32> c1 = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(4)));
      Placeholder<TInt32> c2 = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(4)));
      Placeholder<TBool> f1 = tf.placeholder(TBool.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TBool> f2 = tf.placeholder(TBool.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      BoxPair pair = BoxGenerator.generate(tf, p, c1, f1, c2, f2, seed);
      var draws = BoxGenerator.draws(tf, p, seed);
      for (int k = 0; k < n; k++) {
        int[] crop1 = randomCrop(rnd);
        int[] crop2 = randomCrop(rnd);
        boolean flip1 = rnd.nextBoolean();
        boolean flip2 = rnd.nextBoolean();
        try (TInt32 t1 = TInt32.vectorOf(crop1); TInt32 t2 = TInt32.vectorOf(crop2);
            TBool b1 = TBool.scalarOf(flip1); TBool b2 = TBool.scalarOf(flip2);
            TInt64 sd = TInt64.vectorOf(99, k);
            Result r = s.runner().feed(c1, t1).feed(c2, t2).feed(f1, b1).feed(f2, b2).feed(seed, sd)
                .fetch(pair.boxes1()).fetch(pair.boxes2()).fetch(pair.valid()).fetch(draws).run()) {
          TfRun.Value bx1 = TfRun.copy(r.get(0));
          TfRun.Value bx2 = TfRun.copy(r.get(1));
          boolean valid = TfRun.copy(r.get(2)).get(0) == 1;
          TfRun.Value u = TfRun.copy(r.get(3));
          out.add(new Sample(crop1, flip1, crop2, flip2, k, valid, rows(bx1, 4), rows(bx2, 4),
              cube(u, p.boxesPerImage(), p.tries(), BoxGenerator.DRAWS)));
        }
      }
    }
    return out;
  }

  private static double[][] rows(TfRun.Value v, int cols) {
    double[][] r = new double[v.data().length / cols][cols];
    for (int i = 0; i < r.length; i++) {
      System.arraycopy(v.data(), i * cols, r[i], 0, cols);
    }
    return r;
  }

  private static double[][][] cube(TfRun.Value v, int a, int b, int c) {
    double[][][] r = new double[a][b][c];
    for (int i = 0; i < a; i++) {
      for (int j = 0; j < b; j++) {
        System.arraycopy(v.data(), (i * b + j) * c, r[i][j], 0, c);
      }
    }
    return r;
  }

  /** A view box back in original-image x or y coordinates. */
  private static double[] toOriginal(double[] box, int[] crop, boolean flip, double s) {
    double l = flip ? s - box[2] : box[0];
    double r = flip ? s - box[0] : box[2];
    double sx = crop[3] / s;
    double sy = crop[2] / s;
    return new double[] {crop[1] + l * sx, crop[0] + box[1] * sy, crop[1] + r * sx, crop[0] + box[3] * sy};
  }

  @Test
  void graphEqualsTheLoopForLoopReferenceInBothModes() {
    for (boolean grid : new boolean[] {true, false}) {
      BoxParams p = BoxParams.defaults().withGridBased(grid);
      int valid = 0;
      for (Sample smp : generate(p, 150, grid ? 1 : 2)) {
        BoxReference.Result ref =
            BoxReference.generate(p, smp.crop1(), smp.flip1(), smp.crop2(), smp.flip2(), smp.draws());
        assertEquals(ref.valid(), smp.valid());
        for (int i = 0; i < p.boxesPerImage(); i++) {
          assertArrayEquals(ref.boxes1()[i], smp.boxes1()[i], 1e-3, "view 1 box " + i);
          assertArrayEquals(ref.boxes2()[i], smp.boxes2()[i], 1e-3, "view 2 box " + i);
        }
        valid += smp.valid() ? 1 : 0;
      }
      assertTrue(valid > 50, "enough overlapping pairs: " + valid);
    }
  }

  @Test
  void jitteredViewTwoBoxesEqualTheReferenceAndStayNearTheirPartners() {
    BoxParams p = BoxParams.defaults().withJittering(true, 0.1);
    int moved = 0;
    for (Sample smp : generate(p, 60, 5)) {
      BoxReference.Result ref =
          BoxReference.generate(p, smp.crop1(), smp.flip1(), smp.crop2(), smp.flip2(), smp.draws());
      for (int i = 0; smp.valid() && i < p.boxesPerImage(); i++) {
        assertArrayEquals(ref.boxes1()[i], smp.boxes1()[i], 1e-3);
        assertArrayEquals(ref.boxes2()[i], smp.boxes2()[i], 1e-3);
        double[] b2 = smp.boxes2()[i];
        double[] o1 = toOriginal(smp.boxes1()[i], smp.crop1(), smp.flip1(), p.inputSize());
        double[] o2 = toOriginal(b2, smp.crop2(), smp.flip2(), p.inputSize());
        // each side moves by at most 10% of the side length (twice that for the far sides)
        double w = (o1[2] - o1[0]) * 0.2 + 1;
        double h = (o1[3] - o1[1]) * 0.2 + 1;
        assertEquals(o1[0], o2[0], w);
        assertEquals(o1[2], o2[2], w);
        assertEquals(o1[1], o2[1], h);
        assertEquals(o1[3], o2[3], h);
        moved += Math.abs(o1[0] - o2[0]) > 1 ? 1 : 0;
      }
    }
    assertTrue(moved > 20, "jitter moved " + moved + " boxes");
  }

  @Test
  void matchedBoxesCoverTheSameOriginalRegionAndRespectSizeAndIou() {
    BoxParams p = BoxParams.defaults();
    double s = p.inputSize();
    int exhaustedBoxes = 0;
    int checkedBoxes = 0;
    for (Sample smp : generate(p, 200, 3)) {
      BoxReference.Result ref =
          BoxReference.generate(p, smp.crop1(), smp.flip1(), smp.crop2(), smp.flip2(), smp.draws());
      if (!smp.valid()) {
        for (double[] b : smp.boxes1()) {
          assertArrayEquals(new double[4], b);
        }
        continue;
      }
      assertEquals(10, smp.boxes1().length);
      double minScaleW = Math.min(s / smp.crop1()[3], s / smp.crop2()[3]);
      double minScaleH = Math.min(s / smp.crop1()[2], s / smp.crop2()[2]);
      for (int i = 0; i < 10; i++) {
        double[] b1 = smp.boxes1()[i];
        double[] b2 = smp.boxes2()[i];
        // same region of the original image (clipping at the view border moves an edge by
        // less than half a coarse-view pixel: < 1 original pixel for images up to 2 S wide)
        double[] o1 = toOriginal(b1, smp.crop1(), smp.flip1(), s);
        double[] o2 = toOriginal(b2, smp.crop2(), smp.flip2(), s);
        assertArrayEquals(o1, o2, 1.0, "box " + i + " of pair " + smp.seed());
        // inside the view and at least min size in the coarser view (before clipping)
        for (double v : b1) {
          assertTrue(v >= 0 && v <= s);
        }
        double[] raw = ref.unclipped1()[i];
        assertTrue((raw[2] - raw[0]) / (s / smp.crop1()[3]) * minScaleW >= p.minSize() - 1e-6);
        assertTrue((raw[3] - raw[1]) / (s / smp.crop1()[2]) * minScaleH >= p.minSize() - 1e-6);
        // IoU with earlier boxes below the threshold unless the 50 tries ran out
        if (ref.exhausted()[i]) {
          exhaustedBoxes++;
          continue;
        }
        for (int j = 0; j < i; j++) {
          assertTrue(BoxReference.iou(raw, smp.boxes1()[j]) < p.iouThreshold());
          assertTrue(BoxReference.iou(b1, smp.boxes1()[j]) < p.iouThreshold() + 0.02);
        }
        checkedBoxes++;
      }
    }
    assertTrue(checkedBoxes > 500, "checked " + checkedBoxes + ", exhausted " + exhaustedBoxes);
  }

  @Test
  void identicalCropsGiveIdenticalBoxesAndAFlipMirrorsThem() {
    List<TfRun.Value> v = TfRun.run(tf -> {
      BoxParams p = BoxParams.defaults();
      var crop = tf.constant(new int[] {10, 20, 224, 224});
      BoxPair same = BoxGenerator.generate(tf, p, crop, tf.constant(false), crop, tf.constant(false),
          tf.constant(new long[] {1, 2}));
      BoxPair mirrored = BoxGenerator.generate(tf, p, crop, tf.constant(true), crop, tf.constant(false),
          tf.constant(new long[] {1, 2}));
      return List.of(same.boxes1(), same.boxes2(), mirrored.boxes1(), mirrored.boxes2());
    });
    assertArrayEquals(v.get(0).data(), v.get(1).data(), 1e-4);
    double[] m1 = v.get(2).data();
    double[] m2 = v.get(3).data();
    for (int i = 0; i < 10; i++) {
      assertEquals(224 - m2[4 * i + 2], m1[4 * i], 1e-4);
      assertEquals(224 - m2[4 * i], m1[4 * i + 2], 1e-4);
      assertEquals(m2[4 * i + 1], m1[4 * i + 1], 1e-4);
    }
  }

  @Test
  void disjointOrBarelyOverlappingCropsHaveNoBoxes() {
    List<TfRun.Value> v = TfRun.run(tf -> {
      BoxParams p = BoxParams.defaults();
      var seed = tf.constant(new long[] {1, 2});
      // side by side: no overlap
      BoxPair disjoint = BoxGenerator.generate(tf, p, tf.constant(new int[] {0, 0, 100, 100}),
          tf.constant(false), tf.constant(new int[] {0, 100, 100, 100}), tf.constant(false), seed);
      // overlap 14 px wide, x 224/100 = 31.4 <= 32 view pixels: too small
      BoxPair thin = BoxGenerator.generate(tf, p, tf.constant(new int[] {0, 0, 100, 100}),
          tf.constant(false), tf.constant(new int[] {0, 86, 100, 100}), tf.constant(false), seed);
      // overlap 15 px wide, 33.6 -> 34 view pixels: valid
      BoxPair enough = BoxGenerator.generate(tf, p, tf.constant(new int[] {0, 0, 100, 100}),
          tf.constant(false), tf.constant(new int[] {0, 85, 100, 100}), tf.constant(false), seed);
      return List.of(disjoint.valid(), disjoint.boxes1(), thin.valid(), enough.valid());
    });
    assertEquals(0.0, v.get(0).get(0));
    assertArrayEquals(new double[40], v.get(1).data());
    assertEquals(0.0, v.get(2).get(0));
    assertEquals(1.0, v.get(3).get(0));
  }

  @Test
  void sameSeedSameBoxes() {
    List<Sample> a = generate(BoxParams.defaults(), 5, 4);
    List<Sample> b = generate(BoxParams.defaults(), 5, 4);
    for (int k = 0; k < 5; k++) {
      assertArrayEquals(a.get(k).boxes1()[9], b.get(k).boxes1()[9]);
    }
    assertFalse(java.util.Arrays.equals(a.get(0).draws()[0][0], a.get(1).draws()[0][0]));
  }
}
