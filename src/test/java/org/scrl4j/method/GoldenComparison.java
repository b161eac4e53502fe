package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.scrl4j.io.NpyArray;

/** compare.py's checks with the tolerances of the reference README, key family by key family. */
public final class GoldenComparison {
  private GoldenComparison() {}

  /**
   * Compares every golden key (but dloss/* and info_json) with ours; returns the number compared.
   * {@code caseFile} gives the values before the step, so after_step/* keys are compared through
   * the step taken (see below).
   */
  static int assertMatches(Map<String, NpyArray> golden, Map<String, NpyArray> ours,
      Map<String, NpyArray> caseFile) {
    return assertMatches(golden, ours, caseFile, 1e-4, 1e-5);
  }

  /**
   * As above with explicit max-relative tolerances for the forward values (loss, activations,
   * running stats) and the EMA result.
   */
  static int assertMatches(Map<String, NpyArray> golden, Map<String, NpyArray> ours,
      Map<String, NpyArray> caseFile, double forwardTol, double emaTol) {
    List<String> failures = new ArrayList<>();
    int compared = 0;
    for (Map.Entry<String, NpyArray> e : golden.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("dloss/") || k.equals("info_json")) {
        continue;
      }
      NpyArray mine = ours.get(k);
      if (mine == null) {
        failures.add(k + " missing");
        continue;
      }
      assertArrayEquals(e.getValue().shape(), mine.shape(), k + " shape");
      float[] a = e.getValue().toFloats();
      float[] b = mine.toFloats();
      float[] before = k.startsWith("after_step/") ? valueBefore(k, caseFile) : null;
      if (before != null) {
        for (int i = 0; i < a.length; i++) {
          a[i] -= before[i];
          b[i] -= before[i];
        }
      }
      double dmax = 0, amax = 0, dsq = 0, asq = 0;
      for (int i = 0; i < a.length; i++) {
        double d = Math.abs(a[i] - (double) b[i]);
        dmax = Math.max(dmax, d);
        amax = Math.max(amax, Math.abs(a[i]));
        dsq += d * d;
        asq += (double) a[i] * a[i];
      }
      boolean ok;
      if (k.startsWith("grad/")) {
        // fp32 gradients: norm-relative 1e-3; a bias before train-mode BN has gradient 0 (atol)
        ok = Math.sqrt(dsq) <= 1e-3 * Math.sqrt(asq) + 1e-6;
      } else if (k.startsWith("after_step/")) {
        // The step taken (after - before) inherits the fp32 error of the gradient it is made of, so
        // it gets the gradients' test. LARS itself is checked at 1e-5 max-relative with the golden
        // gradients in LarsGoldenTest. (atol as for the gradients: the ~0 steps of net.0.bias)
        ok = Math.sqrt(dsq) <= 1e-3 * Math.sqrt(asq) + 1e-6;
      } else if (k.startsWith("after_ema/")) {
        // m * target dominates; the step enters scaled by 1 - m
        ok = dmax <= emaTol * amax;
      } else {
        ok = dmax <= forwardTol * amax;
      }
      if (!ok) {
        failures.add(String.format("%s: max_rel %.3e norm_rel %.3e", k, dmax / amax, Math.sqrt(dsq / asq)));
      }
      compared++;
    }
    assertTrue(failures.isEmpty(), failures.toString());
    return compared;
  }

  /** after_step/X: the online X before the step. */
  private static float[] valueBefore(String key, Map<String, NpyArray> c) {
    return c.get(key.substring("after_step/".length())).toFloats();
  }
}
