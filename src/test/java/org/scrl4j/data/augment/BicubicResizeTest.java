package org.scrl4j.data.augment;

import org.scrl4j.Python;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BicubicResizeTest {
  /**
   * PIL rounds its horizontal pass to uint8 before the vertical pass and rounds the output; the
   * two-pass uint8 emulation here differs from it by at most one grey level (fixed-point weights), on a worst-case
   * high-frequency pattern.
   */
  private static final double PIL_TOL = 1.01 / 255;

  private static double vsPil(int h, int w) {
    TfRun.Value out = TfRun.run(tf -> List.of(
        BicubicResize.resizeUnit(tf, TfRun.unitImage(tf, 23, 31, 2), h, w))).get(0);
    return TfRun.maxAbsDiff(out, TfRun.golden("pil_resize_23x31_to_" + h + "x" + w));
  }

  @Test
  void matchesPilBicubicUpDownAndAnisotropic() {
    double up = vsPil(40, 40);
    double down = vsPil(9, 12);
    double mixed = vsPil(17, 50);
    assertTrue(up < PIL_TOL, "upscale max diff " + up * 255 + " grey levels");
    assertTrue(down < PIL_TOL, "downscale max diff " + down * 255 + " grey levels");
    assertTrue(mixed < PIL_TOL, "mixed max diff " + mixed * 255 + " grey levels");
  }

  @Test
  void evaluationTransformMatchesTorchvisionResizeAndCentreCrop() {
    for (int[] hw : new int[][] {{50, 70}, {81, 45}}) {
      TfRun.Value out = TfRun.run(tf -> {
        AugmentedView v = ViewTransforms.center(tf, TfRun.image(tf, hw[0], hw[1], 3), 32);
        // undo the normalisation to compare with the [0, 1] golden
        return List.of(tf.math.add(tf.math.mul(v.image(), tf.constant(ColorOps.IMAGENET_STD)),
            tf.constant(ColorOps.IMAGENET_MEAN)));
      }).get(0);
      double d = TfRun.maxAbsDiff(out, TfRun.golden("eval_" + hw[0] + "x" + hw[1] + "_s32"));
      assertTrue(d < PIL_TOL, hw[0] + "x" + hw[1] + " max diff " + d * 255 + " grey levels");
    }
  }

  /**
   * The centre view's crop in original pixels (top, left, height, width): with the original's pad
   * 32 a 28 px image at 32 px is resized to 64 and keeps its middle 14 x 14 (round(16 / (64/28)) = 7);
   * with pad 0 it keeps the whole image and equals a plain bicubic resize to 32 x 32.
   */
  @Test
  void centreCropPadDecidesHowMuchOfTheImageIsKept() {
    List<TfRun.Value> out = TfRun.run(tf -> {
      var image = TfRun.image(tf, 28, 28, 3);
      AugmentedView paper = ViewTransforms.center(tf, image, 32);
      AugmentedView whole = ViewTransforms.center(tf, image, 32, 0);
      var plain = ColorOps.normalize(tf, BicubicResize.resizeUnit(tf, TfRun.unitImage(tf, 28, 28, 3), 32, 32));
      return List.of(paper.crop(), whole.crop(), whole.image(), plain);
    });
    assertArrayEquals(new double[] {7, 7, 14, 14}, out.get(0).data());
    assertArrayEquals(new double[] {0, 0, 28, 28}, out.get(1).data());
    assertTrue(TfRun.maxAbsDiff(out.get(2), out.get(3)) < 1e-6, "pad 0 is not a plain resize");
  }

  @Test
  void pythonFloorDivisionOfTheBlurSizes() {
    assertTrue(ResizeBlur.pythonFloorDiv(224, 1.1) == 203);
    assertTrue(ResizeBlur.pythonFloorDiv(224, 1.2) == 186);
    assertTrue(ResizeBlur.pythonFloorDiv(224, 1.5) == 149);
    // 33 / 1.1 rounds to 30.0 in floating point, but Python's 33 // 1.1 is 29.0
    assertTrue(ResizeBlur.pythonFloorDiv(33, 1.1) == 29);
  }
}
