package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.RunDirectory;

class CurvesChartTest {
  @TempDir Path tmp;

  /** A folder with 30 steps of every per-step scalar and, when asked, validation points. */
  private Path folder(String name, boolean online) throws IOException {
    Path run = tmp.resolve(name);
    try (TensorBoardWriter tb = new TensorBoardWriter(run)) {
      for (long s = 1; s <= 30; s++) {
        tb.scalar(ScalarTags.LOSS, s, 4.0 - s * 0.05);
        tb.scalar(ScalarTags.LR, s, 0.1 * s);
        tb.scalar(ScalarTags.M, s, 0.97 + s * 1e-3);
        tb.scalar(ScalarTags.IMAGES_PER_SEC, s, 200 + s);
        if (online) {
          tb.scalar(ScalarTags.ONLINE_TOP1_BATCH, s, s);
          if (s % 10 == 0) {
            tb.scalar(ScalarTags.ONLINE_TOP1, s, 2 * s);
          }
        }
      }
    }
    return run;
  }

  @Test
  void writesAPictureOfTheDocumentedSizeIntoTheRunFolder() throws IOException {
    Path run = folder("run", true);
    Path png = CurvesChart.write(run, "title", "subtitle", 10);
    assertEquals(run.resolve(RunDirectory.CURVES_FILE), png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1000, image.getWidth());
    assertEquals(1200, image.getHeight());
  }

  @Test
  void panelsDrawTheRecordedValuesAndTheTop1PanelOnlyWhenThereIsOne() throws IOException {
    CombinedDomainXYPlot with = plot(folder("online", true));
    List<XYPlot> panels = with.getSubplots();
    assertEquals(List.of("loss", "learning rate", "EMA momentum m", "online top-1 %", "images/s"),
        panels.stream().map(p -> p.getRangeAxis().getLabel()).toList());
    // the loss panel's pale curve is the recorded loss, step for step (float32 as stored)
    XYDataset loss = panels.get(0).getDataset(0);
    assertEquals(30, loss.getItemCount(0));
    for (int i = 0; i < 30; i++) {
      assertEquals(i + 1, loss.getXValue(0, i));
      assertEquals((float) (4.0 - (i + 1) * 0.05), loss.getYValue(0, i), 0);
    }
    XYDataset validation = panels.get(3).getDataset(2); // batch raw, batch average, validation
    assertEquals(3, validation.getItemCount(0));
    assertEquals(60.0, validation.getYValue(0, 2));

    List<XYPlot> without = plot(folder("offline", false)).getSubplots();
    assertEquals(List.of("loss", "learning rate", "EMA momentum m", "images/s"),
        without.stream().map(p -> p.getRangeAxis().getLabel()).toList());
  }

  @Test
  void learningRateIsLogScaledOnlyWhenPositiveAndSpanningTwoDecades() {
    var cosineToZero = new TensorBoardScalars.Series(new long[] {1, 2, 3}, new double[] {0.5, 1.0, 0});
    var warmupFromTiny = new TensorBoardScalars.Series(new long[] {1, 2, 3}, new double[] {0.05, 1.0, 0.5});
    var steps = new TensorBoardScalars.Series(new long[] {1, 2, 3}, new double[] {1.0, 0.1, 0.01});
    assertInstanceOf(NumberAxis.class, CurvesChart.lrAxis(cosineToZero));
    assertInstanceOf(NumberAxis.class, CurvesChart.lrAxis(warmupFromTiny));
    assertInstanceOf(LogAxis.class, CurvesChart.lrAxis(steps));
  }

  @Test
  void movingAverageIsTheClippedWindowMeanSkippingNaNs() {
    Random r = new Random(3);
    double[] v = new double[57];
    for (int i = 0; i < v.length; i++) {
      v[i] = i % 11 == 4 ? Double.NaN : r.nextGaussian();
    }
    for (int h : new int[] {0, 1, 5, 100}) {
      double[] got = CurvesChart.movingAverage(v, h);
      for (int i = 0; i < v.length; i++) {
        double sum = 0;
        int n = 0;
        for (int j = i - h; j <= i + h; j++) {
          if (j >= 0 && j < v.length && !Double.isNaN(v[j])) {
            sum += v[j];
            n++;
          }
        }
        assertEquals(sum / n, got[i], 1e-12, "h " + h + " at " + i);
      }
    }
    assertTrue(Double.isNaN(CurvesChart.movingAverage(new double[] {Double.NaN}, 0)[0]));
    assertEquals(0, CurvesChart.window(199));
    assertEquals(5, CurvesChart.window(1000));
  }

  private static CombinedDomainXYPlot plot(Path run) throws IOException {
    return (CombinedDomainXYPlot) CurvesChart.chart(TensorBoardScalars.read(run), "t", "s", 10).getXYPlot();
  }
}
