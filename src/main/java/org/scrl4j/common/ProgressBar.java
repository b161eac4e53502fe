package org.scrl4j.common;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long job with rate and ETA: a bar redrawn at most five times a second on a
 * terminal, otherwise a plain line at each 10% step, so logs stay readable.
 */
public final class ProgressBar implements AutoCloseable {
  private final String label;
  private final long total;
  private final boolean terminal;
  private final PrintStream out;
  private final long start = System.nanoTime();
  private long done;
  private long lastDraw;
  private int lastDecile = -1;

  public ProgressBar(String label, long total) {
    this(label, total, System.console() != null, System.err);
  }

  ProgressBar(String label, long total, boolean terminal, PrintStream out) {
    this.label = label;
    this.total = Math.max(1, total);
    this.terminal = terminal;
    this.out = out;
  }

  public synchronized void step(long n) {
    done += n;
    long now = System.nanoTime();
    if (terminal) {
      if (now - lastDraw > 200_000_000L || done >= total) {
        lastDraw = now;
        out.print("\r" + line(now, true));
        out.flush();
      }
    } else {
      int decile = (int) (done * 10 / total);
      if (decile > lastDecile) {
        lastDecile = decile;
        out.println(line(now, false));
      }
    }
  }

  String line(long now, boolean bar) {
    double secs = Math.max(1e-9, (now - start) / 1e9);
    double rate = done / secs;
    double eta = rate > 0 ? (total - done) / rate : 0;
    StringBuilder sb = new StringBuilder(label).append(' ');
    if (bar) {
      int width = 30;
      int filled = (int) (width * done / total);
      sb.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
    }
    sb.append(String.format(Locale.ROOT, "%d/%d (%3.0f%%) %.1f/s ETA %s", done, total,
        100.0 * done / total, rate, clock(eta)));
    return sb.toString();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }

  @Override
  public synchronized void close() {
    if (terminal) {
      out.println();
    } else if (lastDecile < 10) {
      out.println(line(System.nanoTime(), false));
    }
  }
}
