package org.scrl4j.export;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * The committed goldens of src/test/resources/golden/export/make_backbone_golden.py: a narrowed
 * torchvision ResNet (random BN statistics) and its eval-mode C2..C5 and pooled outputs.
 */
public final class GoldenCase {
  private GoldenCase() {}

  public static Map<String, NpyArray> load(String name) {
    try {
      return Npz.read(Path.of(GoldenCase.class.getResource("/golden/export/" + name).toURI()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Max |a-b| within tol * max |want|: fp32 summation order differs between torch and TF. */
  public static void assertClose(NpyArray want, NpyArray got, double tol, String what) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(want.shape(), got.shape(), what + " shape");
    float[] w = want.floats();
    float[] g = got.floats();
    double maxAbs = 0;
    double maxErr = 0;
    for (int i = 0; i < w.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(w[i]));
      maxErr = Math.max(maxErr, Math.abs(w[i] - g[i]));
    }
    org.junit.jupiter.api.Assertions.assertTrue(maxAbs > 0 && maxErr <= tol * maxAbs,
        what + ": max error " + maxErr + " vs max value " + maxAbs);
  }
}
