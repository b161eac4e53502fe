package org.scrl4j.common;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The progress display of every long job: an epoch (step i/N, steps/s, images/s, time left in the
 * epoch and in the run, and the caller's fields: loss, lr, m, acc) or a count of items such as the
 * images {@code convert} writes ({@link #forCount}, advanced from several threads).
 *
 * <p>On a terminal the line is redrawn in place (at most every {@value #REDRAW_MILLIS} ms);
 * otherwise (log files, batch jobs) a plain log line is written every {@code logEverySteps} steps
 * or {@code logEverySeconds}, whichever comes first, and at the last step. Rates count from the
 * first update on, so the slow first step (graph optimisation, warm-up) does not skew the ETA.
 */
public final class Progress implements AutoCloseable {
  static final long REDRAW_MILLIS = 100;
  private static final int BAR_WIDTH = 20;
  private static final Logger log = LogManager.getLogger(Progress.class);

  private final String title;
  private final long totalSteps;
  private final long imagesPerStep;
  private final long stepsAfterThisEpoch;
  private final boolean interactive;
  private final Consumer<String> terminal;
  private final Consumer<String> logLine;
  private final LongSupplier nanoClock;
  private final long logEverySteps;
  private final long logEveryNanos;
  private final String unit;

  private long counted;
  private long firstStep = -1;
  private long firstNanos;
  private long lastStep;
  private long lastNanos;
  private long lastShownNanos;
  private long lastLoggedStep;
  private Map<String, ?> lastFields = Map.of();
  private boolean drewOnTerminal;

  /**
   * @param title shown first, e.g. "[train] ep 3/200"
   * @param totalSteps steps in this epoch
   * @param imagesPerStep images per optimizer step over all processes (for images/s)
   * @param stepsAfterThisEpoch steps of the epochs still to come (for the run's ETA; 0 to omit)
   * @param interactive redraw in place instead of printing log lines
   * @param terminal receives the raw redraw text (with its carriage return and escapes)
   * @param logLine receives whole plain lines
   * @param nanoClock monotonic nanoseconds ({@link System#nanoTime} outside tests)
   * @param logEverySteps plain mode: a line at least every this many steps
   * @param logEverySeconds plain mode: and at least every this many seconds
   */
  public Progress(String title, long totalSteps, long imagesPerStep, long stepsAfterThisEpoch,
      boolean interactive, Consumer<String> terminal, Consumer<String> logLine, LongSupplier nanoClock,
      long logEverySteps, double logEverySeconds) {
    this(title, totalSteps, imagesPerStep, stepsAfterThisEpoch, interactive, terminal, logLine,
        nanoClock, logEverySteps, logEverySeconds, "step");
  }

  /** As above; {@code unit} names what is counted in rates and the summary ("step", "image"). */
  Progress(String title, long totalSteps, long imagesPerStep, long stepsAfterThisEpoch,
      boolean interactive, Consumer<String> terminal, Consumer<String> logLine, LongSupplier nanoClock,
      long logEverySteps, double logEverySeconds, String unit) {
    if (totalSteps <= 0 || logEverySteps <= 0 || imagesPerStep < 0 || stepsAfterThisEpoch < 0) {
      throw new IllegalArgumentException("bad progress sizes " + totalSteps + "/" + logEverySteps + "/"
          + imagesPerStep + "/" + stepsAfterThisEpoch);
    }
    this.title = title;
    this.totalSteps = totalSteps;
    this.imagesPerStep = imagesPerStep;
    this.stepsAfterThisEpoch = stepsAfterThisEpoch;
    this.interactive = interactive;
    this.terminal = terminal;
    this.logLine = logLine;
    this.nanoClock = nanoClock;
    this.logEverySteps = logEverySteps;
    this.logEveryNanos = (long) (logEverySeconds * 1e9);
    this.unit = unit;
  }

  /**
   * The usual display: redraws on stderr when the JVM has a console, else log lines about ten
   * times per epoch and at least once a minute.
   */
  public static Progress forEpoch(String title, long totalSteps, long imagesPerStep, long stepsAfterThisEpoch) {
    return new Progress(title, totalSteps, imagesPerStep, stepsAfterThisEpoch, System.console() != null,
        Progress::drawOnStderr, log::info, System::nanoTime, Math.max(1, totalSteps / 10), 60);
  }

  /**
   * A count of {@code total} images (the same display, rates in images/s), moved on by
   * {@link #advance}; log lines at every tenth. A total of 0 is shown as 1.
   */
  public static Progress forCount(String title, long total) {
    long n = Math.max(1, total);
    return new Progress(title, n, 0, 0, System.console() != null, Progress::drawOnStderr, log::info,
        System::nanoTime, Math.max(1, n / 10), 60, "image");
  }

  private static void drawOnStderr(String s) {
    PrintStream err = System.err;
    err.print(s);
    err.flush();
  }

  /** Counts {@code n} more items done; safe to call from several threads. */
  public synchronized void advance(long n) {
    counted += n;
    update(counted, Map.of());
  }

  /**
   * Reports that {@code step} (1-based, within this epoch) is done.
   *
   * @param fields shown as key=value in order; doubles get 4 decimals (scientific when tiny/huge)
   */
  public synchronized void update(long step, Map<String, ?> fields) {
    long now = nanoClock.getAsLong();
    if (firstStep < 0) {
      firstStep = step;
      firstNanos = now;
      lastShownNanos = now; // the plain-mode interval starts with the epoch
      lastLoggedStep = step - 1; // so the first update logs only on a multiple of K, as the rest
    }
    lastStep = step;
    lastNanos = now;
    lastFields = fields;
    boolean last = step >= totalSteps;
    if (interactive) {
      if (last || !drewOnTerminal || now - lastShownNanos >= TimeUnit.MILLISECONDS.toNanos(REDRAW_MILLIS)) {
        terminal.accept("\r" + line(step, fields, now, true) + "\u001b[K");
        drewOnTerminal = true;
        lastShownNanos = now;
      }
    } else if (last || step / logEverySteps > lastLoggedStep / logEverySteps
        || now - lastShownNanos >= logEveryNanos) {
      // "crossed a multiple of K", not "is one": advance(n) may step over it
      logLine.accept(line(step, fields, now, false));
      lastShownNanos = now;
      lastLoggedStep = step;
    }
  }

  /** Ends the epoch: finishes the terminal line and logs one summary line in either mode. */
  @Override
  public synchronized void close() {
    if (interactive && drewOnTerminal) {
      terminal.accept("\n");
    }
    if (firstStep >= 0) {
      String elapsed = formatDuration((lastNanos - firstNanos) / 1e9);
      StringBuilder sb = new StringBuilder(title).append(" done ").append(lastStep).append('/')
          .append(totalSteps).append(' ').append(unit).append("s, ").append(elapsed).append(" after the first step, ")
          .append(rates(stepsPerSecond()));
      appendFields(sb, lastFields);
      if (interactive) {
        logLine.accept(sb.toString());
      }
    }
  }

  /** Steps per second since the first update, or NaN before two updates. */
  double stepsPerSecond() {
    long steps = lastStep - firstStep;
    long nanos = lastNanos - firstNanos;
    return steps > 0 && nanos > 0 ? steps * 1e9 / nanos : Double.NaN;
  }

  /**
   * Images per second since the first update, the progress line's img/s (NaN before two updates
   * or without images per step): the one measurement of throughput, also recorded for TensorBoard.
   */
  public synchronized double imagesPerSecond() {
    return imagesPerStep > 0 ? stepsPerSecond() * imagesPerStep : Double.NaN;
  }

  /** Seconds until this epoch ends at the measured rate (NaN when unknown). */
  double epochSecondsLeft(long step) {
    return (totalSteps - step) / stepsPerSecond();
  }

  /** Seconds until the run ends (this epoch plus {@code stepsAfterThisEpoch}). */
  double runSecondsLeft(long step) {
    return (totalSteps - step + stepsAfterThisEpoch) / stepsPerSecond();
  }

  String line(long step, Map<String, ?> fields, long now, boolean withBar) {
    StringBuilder sb = new StringBuilder(title).append(' ');
    int percent = (int) (100 * step / totalSteps);
    if (withBar) {
      int filled = (int) (BAR_WIDTH * step / totalSteps);
      sb.append(String.format(Locale.ROOT, "%3d%% |", percent)).append("#".repeat(filled))
          .append(" ".repeat(BAR_WIDTH - filled)).append("| ");
    }
    sb.append(step).append('/').append(totalSteps);
    if (!withBar) {
      sb.append(" (").append(percent).append("%)");
    }
    double rate = stepsPerSecond();
    sb.append(' ').append(rates(rate));
    sb.append(" ETA ").append(formatDuration(epochSecondsLeft(step)));
    if (stepsAfterThisEpoch > 0) {
      sb.append(" (run ").append(formatDuration(runSecondsLeft(step))).append(')');
    }
    appendFields(sb, fields);
    return sb.toString();
  }

  /** "2.50 step/s 1280 img/s" for epochs; "310 image/s" for a count (no images per step). */
  private String rates(double stepsPerSecond) {
    String r = formatRate(stepsPerSecond) + " " + unit + "/s";
    return imagesPerStep > 0 ? r + " " + formatRate(stepsPerSecond * imagesPerStep) + " img/s" : r;
  }

  private static void appendFields(StringBuilder sb, Map<String, ?> fields) {
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      sb.append(' ').append(e.getKey()).append('=').append(formatValue(e.getValue()));
    }
  }

  private static String formatRate(double r) {
    if (Double.isNaN(r)) {
      return "?";
    }
    return String.format(Locale.ROOT, r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : "%.2f", r);
  }

  /** 4 decimals in the usual range, scientific for tiny or huge magnitudes (e.g. a warm-up lr). */
  static String formatValue(Object v) {
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      double a = Math.abs(d);
      if (d == 0 || !Double.isFinite(d)) {
        return d == 0 ? "0" : Double.toString(d);
      }
      return String.format(Locale.ROOT, a >= 1e-3 && a < 1e5 ? "%.4f" : "%.3e", d);
    }
    return String.valueOf(v);
  }

  /** The project's one clock format: H:MM:SS, with a day count beyond 24 h. */
  public static String formatDuration(java.time.Duration d) {
    return formatDuration(d.toNanos() / 1e9);
  }

  /** H:MM:SS, with a day count beyond 24 h; "?" when unknown. */
  public static String formatDuration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    long s = Math.round(seconds);
    long days = s / 86_400;
    long h = s / 3600 % 24;
    long m = s / 60 % 60;
    long sec = s % 60;
    String hms = String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec);
    return days > 0 ? days + "d " + hms : hms;
  }
}
