package org.scrl4j.data.boxes;

import java.util.ArrayList;
import java.util.List;

/**
 * The original models/box_generator.py (no jittering) written out loop for loop in plain Java,
 * consuming the same uniforms as the graph version: the test reference.
 */
final class BoxReference {
  record Result(boolean valid, double[][] boxes1, double[][] boxes2, boolean[] exhausted,
      double[][] unclipped1) {}

  private BoxReference() {}

  private static int randint(double u, double low, double high) {
    // numpy randint(low, high) with float bounds truncated: uniform over {low .. int(high) - 1}
    long lo = (long) low;
    long n = (long) Math.floor(high) - lo;
    long k = Math.min((long) Math.floor(u * n), n - 1);
    return (int) (lo + Math.max(k, 0));
  }

  static Result generate(BoxParams p, int[] t1, boolean flip1, int[] t2, boolean flip2, double[][][] u) {
    double s = p.inputSize();
    int m = p.minSize();
    double intL = Math.max(t1[1], t2[1]);
    double intR = Math.min(t1[1] + t1[3], t2[1] + t2[3]);
    double intT = Math.max(t1[0], t2[0]);
    double intB = Math.min(t1[0] + t1[2], t2[0] + t2[2]);
    int b = p.boxesPerImage();
    if (intL >= intR || intT >= intB) {
      return new Result(false, new double[b][4], new double[b][4], new boolean[b], new double[b][4]);
    }
    double sw1 = s / t1[3];
    double sh1 = s / t1[2];
    double sw2 = s / t2[3];
    double sh2 = s / t2[2];
    double swMin = Math.min(sw1, sw2);
    double shMin = Math.min(sh1, sh2);
    double intW = Math.rint((intR - intL) * swMin);
    double intH = Math.rint((intB - intT) * shMin);
    if (m >= intW || m >= intH) {
      return new Result(false, new double[b][4], new double[b][4], new boolean[b], new double[b][4]);
    }
    double divW = Math.floor(intW / m) + 1;
    double divH = Math.floor(intH / m) + 1;
    List<double[]> kept1 = new ArrayList<>();
    double[][] out1 = new double[b][];
    double[][] out2 = new double[b][];
    double[][] raw1 = new double[b][];
    boolean[] exhausted = new boolean[b];
    for (int i = 0; i < b; i++) {
      double[] box1 = null;
      double[] box2 = null;
      double[] d = null;
      for (int t = 0; t < p.tries(); t++) {
        d = u[i][t];
        double bw;
        double bh;
        double bx;
        double by;
        if (p.gridBased()) {
          int dw = randint(d[0], 1, divW);
          int dh = randint(d[1], 1, divH);
          double gw = intW / dw;
          double gh = intH / dh;
          int gx = randint(d[2], 0, dw);
          int gy = randint(d[3], 0, dh);
          bw = randint(d[4], m, gw + 1);
          bh = randint(d[5], m, gh + 1);
          bx = randint(d[6], 0, gw - bw + 1) + Math.floor(gx * gw);
          by = randint(d[7], 0, gh - bh + 1) + Math.floor(gy * gh);
        } else {
          bw = randint(d[4], m, intW);
          bh = randint(d[5], m, intH);
          bx = randint(d[6], 0, intW - bw);
          by = randint(d[7], 0, intH - bh);
        }
        box1 = view(bx, by, bw, bh, swMin, shMin, sw1, sh1, intL - t1[1], intT - t1[0], flip1, s);
        box2 = view(bx, by, bw, bh, swMin, shMin, sw2, sh2, intL - t2[1], intT - t2[0], flip2, s);
        if (i == 0 || p.iouThreshold() >= 1.0) {
          break;
        }
        double maxIou = 0;
        for (double[] k : kept1) {
          maxIou = Math.max(maxIou, iou(box1, k));
        }
        if (maxIou < p.iouThreshold()) {
          break;
        }
        if (t == p.tries() - 1) {
          exhausted[i] = true;
        }
      }
      if (p.boxJittering()) {
        double[] j = new double[4];
        for (int k = 0; k < 4; k++) {
          j[k] = 1 - p.jitteringRatio() + d[8 + k] * 2 * p.jitteringRatio();
        }
        double w = box2[2] - box2[0];
        double h = box2[3] - box2[1];
        double l = box2[0] + w * (j[0] - 1);
        double t = box2[1] + h * (j[1] - 1);
        box2 = new double[] {l, t, l + w * j[2], t + h * j[3]};
      }
      raw1[i] = box1.clone();
      out1[i] = clip(box1, s);
      out2[i] = clip(box2, s);
      kept1.add(out1[i]);
    }
    return new Result(true, out1, out2, exhausted, raw1);
  }

  private static double[] view(double bx, double by, double bw, double bh, double swMin,
      double shMin, double sw, double sh, double dx, double dy, boolean flip, double s) {
    double l = bx * (1 / swMin * sw) + dx * sw;
    double r = l + bw * (1 / swMin * sw);
    double t = by * (1 / shMin * sh) + dy * sh;
    double bot = t + bh * (1 / shMin * sh);
    if (flip) {
      double nl = s - r;
      r = s - l;
      l = nl;
    }
    return new double[] {l, t, r, bot};
  }

  private static double[] clip(double[] b, double s) {
    return new double[] {Math.max(0, b[0]), Math.max(0, b[1]), Math.min(s, b[2]), Math.min(s, b[3])};
  }

  static double iou(double[] a, double[] b) {
    double iw = Math.max(Math.min(a[2], b[2]) - Math.max(a[0], b[0]), 0);
    double ih = Math.max(Math.min(a[3], b[3]) - Math.max(a[1], b[1]), 0);
    double inter = iw * ih;
    if (inter == 0) {
      return 0;
    }
    double areaA = Math.abs((a[2] - a[0]) * (a[3] - a[1]));
    double areaB = Math.abs((b[2] - b[0]) * (b[3] - b[1]));
    return inter / (areaA + areaB - inter);
  }
}
