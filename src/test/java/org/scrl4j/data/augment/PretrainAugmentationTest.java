package org.scrl4j.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.data.PretrainAugmentation;
import org.scrl4j.data.PretrainSample;
import org.scrl4j.data.boxes.BoxParams;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

class PretrainAugmentationTest {
  private static final int S = 64;

  /** The whole per-element chain as a ConcreteFunction, the way a tf.data map function holds it. */
  private static ConcreteFunction function(AugmentParams params) {
    PretrainAugmentation aug =
        new PretrainAugmentation(params.withInputSize(S), BoxParams.defaults().withInputSize(S));
    return ConcreteFunction.create(tf -> {
      Placeholder<TUint8> image = tf.placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, 3)));
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      PretrainSample s = aug.apply(tf, image, seed);
      Signature.Builder b = Signature.builder().input("image", image).input("seed", seed);
      for (int i = 0; i < PretrainSample.NAMES.size(); i++) {
        b.output(PretrainSample.NAMES.get(i), s.outputs().get(i));
      }
      return b.build();
    });
  }

  private static Map<String, TfRun.Value> call(ConcreteFunction f, int h, int w, long seed) {
    Map<String, TfRun.Value> out = new HashMap<>();
    try (TUint8 image = TUint8.tensorOf(Shape.of(h, w, 3), DataBuffers.of(TfRun.pixels(h, w, 4), true, false));
        TInt64 s = TInt64.vectorOf(11, seed)) {
      Map<String, Tensor> args = new HashMap<>();
      args.put("image", image);
      args.put("seed", s);
      try (Result r = f.call(args)) {
        for (String name : PretrainSample.NAMES) {
          out.put(name, TfRun.copy(r.get(name).orElseThrow()));
        }
      }
    }
    return out;
  }

  @Test
  void simclrInsideAFunctionHasTheDocumentedShapesAndIsDeterministic() {
    try (ConcreteFunction f = function(AugmentParams.defaults())) {
      Map<String, TfRun.Value> a = call(f, 90, 120, 5);
      Map<String, TfRun.Value> b = call(f, 90, 120, 5);
      Map<String, TfRun.Value> c = call(f, 90, 120, 6);
      assertArrayEquals(new long[] {S, S, 3}, a.get("view1").shape());
      assertArrayEquals(new long[] {S, S, 3}, a.get("view2").shape());
      assertArrayEquals(new long[] {4}, a.get("crop1").shape());
      assertArrayEquals(new long[] {}, a.get("flip1").shape());
      assertArrayEquals(new long[] {10, 4}, a.get("boxes1").shape());
      assertArrayEquals(new long[] {}, a.get("box_valid").shape());
      for (String name : PretrainSample.NAMES) {
        assertArrayEquals(a.get(name).data(), b.get(name).data(), name + " same seed");
      }
      assertFalse(Arrays.equals(a.get("view1").data(), c.get("view1").data()), "other seed");
      assertFalse(Arrays.equals(a.get("view1").data(), a.get("view2").data()), "views differ");
      // normalised [0, 1] pixels stay within [-mean/std, (1-mean)/std]
      for (double v : a.get("view1").data()) {
        assertTrue(v >= -2.12 && v <= 2.65);
      }
    }
  }

  @Test
  void outputsKeepStaticShapesForBatching() {
    TfRun.run(tf -> {
      var seed = tf.constant(new long[] {1, 2});
      var image = tf.placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, 3)));
      for (AugmentType type : AugmentType.values()) {
        PretrainSample s = new PretrainAugmentation(AugmentParams.defaults().withType(type),
            BoxParams.defaults()).apply(tf, image, seed);
        assertEquals(Shape.of(224, 224, 3), s.view1().shape(), type.toString());
        assertEquals(Shape.of(224, 224, 3), s.view2().shape(), type.toString());
        assertEquals(Shape.of(10, 4), s.boxes1().shape());
        assertEquals(Shape.of(4), s.crop2().shape());
        assertEquals(Shape.scalar(), s.boxValid().shape());
      }
      assertEquals(Shape.of(224, 224, 3), ViewTransforms.linearEvalTrain(tf, image, seed, 224).shape());
      assertEquals(Shape.of(224, 224, 3), ViewTransforms.center(tf, image, 224).image().shape());
      return List.of(seed);
    });
  }

  @Test
  void typeAndParameterErrorsNameTheFix() {
    assertEquals(AugmentType.SIMPLE, AugmentType.parse(" Simple "));
    var e = org.junit.jupiter.api.Assertions.assertThrows(org.scrl4j.common.UserError.class,
        () -> AugmentType.parse("byol"));
    assertTrue(e.getMessage().contains("simclr, simple, none"));
    assertThrows(org.scrl4j.common.UserError.class, () -> AugmentParams.defaults().withCropScale(0.5, 0.2));
  }

  @Test
  void simpleViewIsTheResizedReportedCropFlippedAsReported() {
    AugmentParams p = AugmentParams.defaults().withType(AugmentType.SIMPLE).withInputSize(S);
    int checked = 0;
    for (long seed = 0; seed < 6; seed++) {
      long k = seed;
      List<TfRun.Value> v = TfRun.run(tf -> {
        Operand<TUint8> image = TfRun.image(tf, 90, 120, 4);
        AugmentedView view = ViewTransforms.simple(tf, image, tf.constant(new long[] {1, k}), S,
            p.cropScaleMin(), p.cropScaleMax(), p.flipProb());
        Operand<TFloat32> raw = RandomResizedCrop.cropAndResize(
            tf, image, view.crop(), S);
        return List.of(view.image(), view.crop(), view.flipped(), ColorOps.normalize(tf, raw),
            ColorOps.normalize(tf, tf.reverse(raw, tf.constant(new int[] {1}))));
      });
      boolean flipped = v.get(2).get(0) == 1;
      assertArrayEquals(v.get(flipped ? 4 : 3).data(), v.get(0).data(), 1e-6);
      checked += flipped ? 1 : 0;
    }
    assertTrue(checked > 0 && checked < 6, "both flip outcomes exercised");
  }

  @Test
  void noneGivesTheSameCentreCropForBothViewsAndFullBoxes() {
    try (ConcreteFunction f = function(AugmentParams.defaults().withType(AugmentType.NONE))) {
      Map<String, TfRun.Value> a = call(f, 90, 120, 1);
      assertArrayEquals(a.get("view1").data(), a.get("view2").data());
      // 90 x 120 -> shorter side 96 (= round(64 * 96 / 64)), 96 x 128, crop 64 at (16, 32);
      // back in original pixels: ratio 96/90 -> (15, 30, 60, 60)
      assertArrayEquals(new double[] {15, 30, 60, 60}, a.get("crop1").data());
      assertEquals(1.0, a.get("box_valid").get(0));
      assertArrayEquals(a.get("boxes1").data(), a.get("boxes2").data());
    }
  }

  @Test
  void flipAndGreyscaleRatesOfTheSimclrView() {
    int n = 300;
    AugmentParams p = AugmentParams.defaults().withInputSize(24);
    List<List<TfRun.Value>> runs = TfRun.runSeeds(n, (tf, seed) -> {
      AugmentedView v = ViewTransforms.simclr(tf, TfRun.image(tf, 40, 50, 2), seed, p, 2);
      // undo the normalisation; a greyscale view has equal channels everywhere
      Operand<TFloat32> unit = tf.math.add(tf.math.mul(v.image(), tf.constant(ColorOps.IMAGENET_STD)),
          tf.constant(ColorOps.IMAGENET_MEAN));
      Operand<TFloat32> r = tf.gather(unit, tf.constant(0), tf.constant(2));
      Operand<TFloat32> b = tf.gather(unit, tf.constant(2), tf.constant(2));
      return List.of(v.flipped(), tf.reduceMax(tf.math.abs(tf.math.sub(r, b)), tf.constant(new int[] {0, 1})));
    });
    long flipped = runs.stream().filter(r -> r.get(0).get(0) == 1).count();
    long grey = runs.stream().filter(r -> r.get(1).get(0) < 1e-5).count();
    assertEquals(0.5 * n, flipped, 5 * Math.sqrt(n * 0.25));
    assertEquals(0.2 * n, grey, 5 * Math.sqrt(n * 0.16));
  }

  @Test
  void blurAndSolarizeFollowTheirPerViewProbabilities() {
    // view 1: blur always, solarize never; count how often the blur changed a flat-free image
    int n = 300;
    AugmentParams p = AugmentParams.defaults().withInputSize(32);
    List<List<TfRun.Value>> runs = TfRun.runSeeds(n, (tf, seed) -> {
      Operand<TFloat32> x = ColorOps.toUnit(tf, TfRun.image(tf, 32, 32, 6));
      Operand<TFloat32> blurred = ColorOpsTest.asOneImageBatch(tf, x, batch -> ResizeBlur.apply(tf,
          batch, tf.expandDims(ResizeBlur.draw(tf, seed, 0.1), tf.constant(0)), 32, false));
      Operand<TFloat32> always = ColorOpsTest.asOneImageBatch(tf, x, batch -> ResizeBlur.apply(tf,
          batch, tf.expandDims(ResizeBlur.draw(tf, seed, 1.0), tf.constant(0)), 32, true));
      List<Operand<?>> out = new ArrayList<>();
      out.add(tf.reduceMax(tf.math.abs(tf.math.sub(blurred, x)), tf.constant(new int[] {0, 1, 2})));
      out.add(tf.reduceMax(tf.math.abs(tf.math.sub(always, x)), tf.constant(new int[] {0, 1, 2})));
      return out;
    });
    long some = runs.stream().filter(r -> r.get(0).get(0) > 1e-3).count();
    long all = runs.stream().filter(r -> r.get(1).get(0) > 1e-3).count();
    assertEquals(n, all);
    assertEquals(0.1 * n, some, 5 * Math.sqrt(n * 0.09)); // Binomial(300, 0.1), 5 sd
    assertEquals(1.0, p.blurProb(1));
    assertEquals(0.2, p.solarizeProb(2));
  }
}
