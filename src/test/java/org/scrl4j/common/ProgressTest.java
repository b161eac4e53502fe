package org.scrl4j.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final List<String> drawn = new ArrayList<>();
  private final List<String> logged = new ArrayList<>();

  private Progress progress(boolean interactive, long total, long after) {
    return new Progress("[train] ep 3/200", total, 512, after, interactive, drawn::add, logged::add, now::get, 25, 30);
  }

  private void advanceSeconds(double s) {
    now.addAndGet((long) (s * 1e9));
  }

  private static Map<String, Object> fields(double loss) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("loss", loss);
    f.put("lr", 1.7578125e-4);
    f.put("m", 0.97);
    f.put("acc", "12.50%");
    return f;
  }

  @Test
  void etaComesFromTheRateAfterTheFirstStep() {
    Progress p = progress(false, 100, 1000);
    p.update(1, fields(4)); // step 1 took long (graph warm-up); it does not count
    advanceSeconds(0.5);
    for (int s = 2; s <= 21; s++) {
      p.update(s, fields(3));
      advanceSeconds(0.5);
    }
    // steps 1..21 are 20 intervals of 0.5 s: 2 step/s
    assertEquals(2.0, p.stepsPerSecond(), 1e-12);
    assertEquals((100 - 21) / 2.0, p.epochSecondsLeft(21), 1e-9);
    assertEquals((100 - 21 + 1000) / 2.0, p.runSecondsLeft(21), 1e-9);
  }

  @Test
  void plainModeLogsEveryKStepsOrTSecondsAndTheLastStep() {
    Progress p = progress(false, 60, 0);
    for (int s = 1; s <= 60; s++) {
      p.update(s, fields(1));
      advanceSeconds(s == 30 ? 31 : 0.1); // one long stall after step 30
    }
    p.close();
    // 25 (every K), 31 (30 s passed since the line at 25), 50 (K), 60 (last); nothing on close
    assertEquals(4, logged.size(), logged::toString);
    assertTrue(logged.get(0).contains(" 25/60 (41%) "), logged.get(0));
    assertTrue(logged.get(1).contains(" 31/60 "), logged.get(1));
    assertTrue(logged.get(2).contains(" 50/60 "), logged.get(2));
    assertTrue(logged.get(3).contains(" 60/60 (100%) "), logged.get(3));
    assertTrue(drawn.isEmpty());
  }

  @Test
  void lineShowsRatesEtaAndFields() {
    Progress p = progress(false, 1000, 199_000);
    p.update(1, fields(0.5));
    advanceSeconds(100); // 250 steps in 100 s: 2.5 step/s, 1280 img/s
    p.update(251, fields(0.3124));
    String line = logged.get(logged.size() - 1);
    // 749 steps left / 2.5 = 299.6 s -> 0:05:00; run: (749 + 199000) / 2.5 = 79899.6 s = 22:11:40
    assertEquals("[train] ep 3/200 251/1000 (25%) 2.50 step/s 1280 img/s ETA 0:05:00 (run 22:11:40)"
        + " loss=0.3124 lr=1.758e-04 m=0.9700 acc=12.50%", line);
  }

  @Test
  void terminalRedrawsInPlaceThrottledAndEndsTheLine() {
    Progress p = progress(true, 40, 0);
    for (int s = 1; s <= 40; s++) {
      p.update(s, fields(2));
      advanceSeconds(0.03); // 33 updates per second; redraws at most every 100 ms
    }
    p.close();
    assertTrue(drawn.size() >= 10 && drawn.size() <= 16, "throttled redraws: " + drawn.size());
    String bar = drawn.get(drawn.size() - 2);
    assertTrue(bar.startsWith("\r[train] ep 3/200 100% |####################| 40/40 "), bar);
    assertTrue(bar.endsWith("\u001b[K"));
    assertEquals("\n", drawn.get(drawn.size() - 1));
    assertEquals(1, logged.size(), "one summary line for the log");
    assertTrue(logged.get(0).startsWith("[train] ep 3/200 done 40/40 steps, 0:00:01 after the first step, 33.3"),
        logged.get(0));
  }

  @Test
  void halfBar() {
    Progress p = progress(true, 40, 0);
    p.update(20, Map.of());
    assertTrue(drawn.get(0).startsWith("\r[train] ep 3/200  50% |##########          | 20/40 ? step/s ? img/s ETA ?"),
        drawn.get(0));
  }

  @Test
  void durationsAndValues() {
    assertEquals("0:00:00", Progress.formatDuration(0.4));
    assertEquals("1:01:01", Progress.formatDuration(3661));
    assertEquals("2d 3:04:05", Progress.formatDuration(2 * 86400 + 3 * 3600 + 4 * 60 + 5));
    assertEquals("?", Progress.formatDuration(Double.NaN));
    assertEquals("?", Progress.formatDuration(Double.POSITIVE_INFINITY));
    assertEquals("0.4500", Progress.formatValue(0.45));
    assertEquals("1.000e-06", Progress.formatValue(1e-6));
    assertEquals("1.235e+05", Progress.formatValue(123456.0));
    assertEquals("0", Progress.formatValue(0.0));
    assertEquals("NaN", Progress.formatValue(Double.NaN));
    assertEquals("42", Progress.formatValue(42L));
  }

  // The counting use (convert's images; was ProgressBar): same display, rates in image/s.
  private Progress count(boolean interactive, long total) {
    return new Progress("convert", total, 0, 0, interactive, drawn::add, logged::add, now::get,
        Math.max(1, total / 10), 60, "image");
  }

  @Test
  void countLogsOneLinePerTenthWithRateAndEta() {
    try (Progress p = count(false, 200)) {
      for (int i = 0; i < 200; i++) {
        p.advance(1);
        advanceSeconds(0.01);
      }
    }
    assertEquals(10, logged.size(), logged::toString); // 10%, 20%, ..., 100%
    assertTrue(logged.get(4).matches("convert 100/200 \\(50%\\) [0-9.]+ image/s ETA \\d+:\\d\\d:\\d\\d"),
        logged.get(4));
    assertTrue(logged.get(9).startsWith("convert 200/200 (100%) "), logged.get(9));
    assertTrue(drawn.isEmpty());
  }

  @Test
  void countAdvancedInLargeStepsStillLogsEachTenthItCrosses() {
    try (Progress p = count(false, 100)) {
      p.advance(5); // the first update: the rates count from here
      p.advance(10); // 15: crosses 10
      p.advance(3); // 18: nothing
      p.advance(17); // 35: crosses 20 and 30, one line
    }
    assertEquals(2, logged.size(), logged::toString);
    assertTrue(logged.get(1).startsWith("convert 35/100 "), logged.get(1));
  }

  @Test
  void countOnATerminalRedrawsOneBarAndSumsUpInImages() {
    try (Progress p = count(true, 4)) {
      p.advance(4);
    }
    assertTrue(drawn.get(0).startsWith("\rconvert 100% |####################| 4/4 "), drawn.get(0));
    assertEquals("\n", drawn.get(drawn.size() - 1));
    assertTrue(logged.get(0).startsWith("convert done 4/4 images, "), logged.get(0));
  }

  @Test
  void countIsSafeFromSeveralThreads() throws InterruptedException {
    Progress p = count(false, 4000);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          p.advance(1);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(logged.get(logged.size() - 1).startsWith("convert 4000/4000 (100%) "), logged.toString());
  }

  @Test
  void durationOfADuration() {
    assertEquals("0:01:05", Progress.formatDuration(java.time.Duration.ofSeconds(65)));
  }
}
