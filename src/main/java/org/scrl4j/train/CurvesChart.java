package org.scrl4j.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYTitleAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.SamplingXYLineRenderer;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultXYDataset;
import org.scrl4j.checkpoint.RunDirectory;

/**
 * {@code curves.png} of a run folder: loss, learning rate, EMA momentum, online top-1 (when the run
 * has it) and images/s over global steps, one panel each on a shared step axis, drawn with
 * JFreeChart from the folder's TensorBoard scalars ({@link TensorBoardScalars}), so the picture
 * shows exactly what TensorBoard would, including the steps before a resume.
 *
 * <p>Noisy per-step curves (loss, batch top-1, images/s) are drawn raw in a light colour with a
 * centred moving average over about 1/100 of the points on top; the average is for the eye only.
 */
public final class CurvesChart {
  /** The picture's size in pixels, whatever the number of panels. */
  public static final int WIDTH = 1000;
  public static final int HEIGHT = 1200;
  /** Epoch boundaries are marked up to this many epochs (beyond, the lines would be a grey wash). */
  static final int MAX_EPOCH_MARKERS = 40;

  private static final Color BLUE = new Color(31, 119, 180);
  private static final Color ORANGE = new Color(255, 127, 14);
  private static final Color GREEN = new Color(44, 160, 44);
  private static final Color RED = new Color(214, 39, 40);
  private static final Color PURPLE = new Color(148, 103, 189);
  private static final Color GRID = new Color(225, 225, 225);

  static {
    // Drawn into an image on machines without a display (servers, containers), also when the
    // caller is not Main (which sets the same): AWT must not look for one.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private CurvesChart() {}

  /** A line of the chart: a curve, its legend label and how it is drawn. */
  private record Line(String label, TensorBoardScalars.Series series, Color color, Style style) {}

  private enum Style { RAW_AND_SMOOTHED, PLAIN, SMOOTHED_ONLY, POINTS }

  /**
   * Reads {@code runDir}'s scalars, draws them and replaces {@code runDir/curves.png} atomically
   * (a crash leaves the previous picture, never half of one).
   *
   * @param title first line, e.g. the run folder and the method
   * @param subtitle second line, e.g. where the run is
   * @param stepsPerEpoch marks epoch ends on the step axis (0: no marks)
   */
  public static Path write(Path runDir, String title, String subtitle, long stepsPerEpoch) throws IOException {
    TensorBoardScalars scalars = TensorBoardScalars.read(runDir);
    BufferedImage image = chart(scalars, title, subtitle, stepsPerEpoch).createBufferedImage(WIDTH, HEIGHT);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(image, "png", png);
    return RunDirectory.open(runDir).replaceFile(RunDirectory.CURVES_FILE, png.toByteArray());
  }

  /** The chart of {@code scalars}: one panel per quantity, panels without data say so. */
  static JFreeChart chart(TensorBoardScalars s, String title, String subtitle, long stepsPerEpoch) {
    NumberAxis steps = new NumberAxis("global step");
    steps.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    CombinedDomainXYPlot combined = new CombinedDomainXYPlot(steps);
    combined.setGap(12);

    List<Line> loss = new ArrayList<>();
    boolean evaluator = s.series(ScalarTags.EVALUATOR_LOSS).size() > 0;
    loss.add(new Line(evaluator ? "total loss" : "loss", s.series(ScalarTags.LOSS), BLUE, Style.RAW_AND_SMOOTHED));
    if (evaluator) {
      // with the online evaluator the total adds its cross-entropy: show the SSL part alone too
      loss.add(new Line("regression loss", s.series(ScalarTags.REGRESSION_LOSS), PURPLE, Style.SMOOTHED_ONLY));
      loss.add(new Line("evaluator cross-entropy", s.series(ScalarTags.EVALUATOR_LOSS), ORANGE, Style.SMOOTHED_ONLY));
    }
    combined.add(panel("loss", axis("loss", false), loss), 3);

    TensorBoardScalars.Series lr = s.series(ScalarTags.LR);
    combined.add(panel("learning rate", lrAxis(lr), List.of(new Line("learning rate", lr, GREEN, Style.PLAIN))), 2);

    NumberAxis m = axis("EMA momentum m", false);
    m.setNumberFormatOverride(new java.text.DecimalFormat("0.000"));
    combined.add(panel("EMA momentum", m, List.of(new Line("m (target network EMA)", s.series(ScalarTags.M),
        RED, Style.PLAIN))), 2);

    TensorBoardScalars.Series val = s.series(ScalarTags.ONLINE_TOP1);
    TensorBoardScalars.Series batch = s.series(ScalarTags.ONLINE_TOP1_BATCH);
    if (val.size() > 0 || batch.size() > 0) {
      NumberAxis top1 = axis("online top-1 %", false);
      combined.add(panel("online top-1", top1, List.of(
          new Line("training batch", batch, ORANGE, Style.RAW_AND_SMOOTHED),
          new Line("validation", val, BLUE, Style.POINTS))), 3);
    }

    NumberAxis ips = axis("images/s", true); // a slowdown shows as the fraction it is
    combined.add(panel("throughput", ips, List.of(new Line("images/s (epoch's mean so far)",
        s.series(ScalarTags.IMAGES_PER_SEC), PURPLE, Style.RAW_AND_SMOOTHED))), 2);

    long last = s.lastStep();
    if (stepsPerEpoch > 0 && last > 0 && last / stepsPerEpoch <= MAX_EPOCH_MARKERS) {
      for (XYPlot p : combined.getSubplots()) {
        for (long e = stepsPerEpoch; e <= last; e += stepsPerEpoch) {
          ValueMarker mark = new ValueMarker(e, new Color(190, 190, 190), new BasicStroke(1f,
              BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {3f, 3f}, 0f));
          p.addDomainMarker(mark);
        }
      }
    }

    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), combined, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setPadding(new RectangleInsets(6, 6, 6, 14));
    TextTitle sub = new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    sub.setPosition(RectangleEdge.TOP);
    chart.addSubtitle(sub);
    return chart;
  }

  /**
   * Linear unless the learning rate is positive throughout and spans two decades or more (a step
   * schedule): warm-up plus cosine to 0, the usual case here, reads best on a linear scale and
   * has a 0 a log scale cannot show.
   */
  static ValueAxis lrAxis(TensorBoardScalars.Series lr) {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (double v : lr.values()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (lr.size() > 1 && min > 0 && max / min >= 100) {
      LogAxis log = new LogAxis("learning rate (log)");
      log.setSmallestValue(min / 2);
      return log;
    }
    return axis("learning rate", true);
  }

  private static NumberAxis axis(String label, boolean includesZero) {
    NumberAxis a = new NumberAxis(label);
    a.setAutoRangeIncludesZero(includesZero);
    return a;
  }

  private static XYPlot panel(String name, ValueAxis axis, List<Line> lines) {
    axis.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    XYPlot plot = new XYPlot();
    plot.setRangeAxis(axis);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setOutlinePaint(Color.GRAY);
    plot.setNoDataMessage("no " + name + " scalars in this run folder");
    // headroom above the curves for the legend
    axis.setUpperMargin(0.22);
    LegendItemCollection legendItems = new LegendItemCollection();
    int index = 0;
    for (Line line : lines) {
      int n = line.series().size();
      if (n == 0) {
        continue;
      }
      int h = window(n);
      String label = line.label();
      if (line.style() == Style.RAW_AND_SMOOTHED) {
        plot.setDataset(index, dataset(label, line.series(), 0));
        plot.setRenderer(index++, lineRenderer(faint(line.color()), 1f, false));
      }
      boolean smoothed = line.style() == Style.RAW_AND_SMOOTHED || line.style() == Style.SMOOTHED_ONLY;
      plot.setDataset(index, dataset(label, line.series(), smoothed ? h : 0));
      plot.setRenderer(index++, lineRenderer(line.color(), 2f, line.style() == Style.POINTS));
      if (smoothed && h > 0) {
        label += line.style() == Style.RAW_AND_SMOOTHED
            ? " (pale: each point; dark: mean of " + (2 * h + 1) + ")" : " (mean of " + (2 * h + 1) + ")";
      }
      Shape swatch = line.style() == Style.POINTS ? new Ellipse2D.Double(-4, -4, 8, 8) : new Line2D.Double(-9, 0, 9, 0);
      LegendItem item = line.style() == Style.POINTS
          ? new LegendItem(label, null, null, null, swatch, line.color())
          : new LegendItem(label, null, null, null, swatch, new BasicStroke(2.5f), line.color());
      legendItems.add(item);
    }
    // datasets are drawn in the listed order: the pale raw curve below its average
    plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    plot.setFixedLegendItems(legendItems);
    if (index > 0) {
      LegendTitle legend = new LegendTitle(plot);
      legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      legend.setBackgroundPaint(new Color(255, 255, 255, 210));
      legend.setFrame(new BlockBorder(new Color(200, 200, 200)));
      legend.setPosition(RectangleEdge.TOP);
      plot.addAnnotation(new XYTitleAnnotation(0.995, 0.98, legend, RectangleAnchor.TOP_RIGHT));
    }
    return plot;
  }

  private static XYItemRenderer lineRenderer(Color color, float width, boolean points) {
    if (points) {
      XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
      r.setSeriesPaint(0, color);
      r.setSeriesStroke(0, new BasicStroke(width));
      r.setSeriesShape(0, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
      return r;
    }
    // draws at most a few segments per pixel column: millions of steps stay cheap
    SamplingXYLineRenderer r = new SamplingXYLineRenderer();
    r.setSeriesPaint(0, color);
    r.setSeriesStroke(0, new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    return r;
  }

  private static Color faint(Color c) {
    return new Color((c.getRed() + 2 * 255) / 3, (c.getGreen() + 2 * 255) / 3, (c.getBlue() + 2 * 255) / 3);
  }

  /** The curve as an (x, y) dataset, averaged over {@code h} points on each side (0: as recorded). */
  private static DefaultXYDataset dataset(String label, TensorBoardScalars.Series s, int h) {
    double[] x = new double[s.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = s.steps()[i];
    }
    DefaultXYDataset d = new DefaultXYDataset();
    d.addSeries(label, new double[][] {x, h > 0 ? movingAverage(s.values(), h) : s.values()});
    return d;
  }

  /** Points averaged on each side: about 1/100 of the curve, so 1,000 steps average over 11. */
  static int window(int n) {
    return Math.max(0, n / 200);
  }

  /**
   * The mean of {@code v[i-h..i+h]} (clipped at the ends, NaNs skipped; NaN where all are), by
   * prefix sums.
   */
  static double[] movingAverage(double[] v, int h) {
    int n = v.length;
    double[] sum = new double[n + 1];
    int[] count = new int[n + 1];
    for (int i = 0; i < n; i++) {
      boolean ok = Double.isFinite(v[i]);
      sum[i + 1] = sum[i] + (ok ? v[i] : 0);
      count[i + 1] = count[i] + (ok ? 1 : 0);
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      int lo = Math.max(0, i - h);
      int hi = Math.min(n, i + h + 1);
      int c = count[hi] - count[lo];
      out[i] = c == 0 ? Double.NaN : (sum[hi] - sum[lo]) / c;
    }
    return out;
  }
}
