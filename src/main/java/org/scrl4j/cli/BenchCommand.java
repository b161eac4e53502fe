package org.scrl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;

/**
 * {@code bench --what WHAT [flags]}: runs one {@link Benchmark} and prints its result and the
 * process's peak resident memory as one JSON line.
 */
public final class BenchCommand implements Command {

  @Override
  public String name() {
    return "bench";
  }

  @Override
  public String summary() {
    return "measure throughput and peak memory (--what " + String.join("|", benchmarks().keySet()) + ")";
  }

  static Map<String, Benchmark> benchmarks() {
    Map<String, Benchmark> m = new TreeMap<>();
    for (Benchmark b : List.of(new StepBenchmark(), new InputThroughputBenchmark())) {
      m.put(b.what(), b);
    }
    return m;
  }

  @Override
  public int run(List<String> args) throws Exception {
    Map<String, Benchmark> all = benchmarks();
    // --what decides which other flags exist, so it is read first
    String what = CommandFlags.peek(args, "what");
    if (what == null) {
      if (args.contains("--help") || args.contains("-h")) {
        System.out.println("usage: tools/scrl bench --what WHAT [flags]; WHAT is one of " + all.keySet());
        for (Benchmark b : all.values()) {
          System.out.print(flagsOf(b).help());
        }
        return 0;
      }
      throw new UserError("bench: --what is required, one of " + all.keySet()
          + ", e.g. tools/scrl bench --what step");
    }
    Benchmark b = all.get(what);
    if (b == null) {
      throw new UserError("bench: unknown --what " + what + "; use one of " + all.keySet());
    }
    CommandFlags flags = flagsOf(b);
    if (!flags.parse(args)) {
      return 0;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("what", what);
    Map<String, Object> result = b.run(flags);
    if (result == null) {
      return 0; // a non-chief replica of a multi-process benchmark: rank 0 reports
    }
    out.putAll(result);
    out.put("peak_rss_mb", peakRssMb());
    System.out.println(json(out));
    return 0;
  }

  private static CommandFlags flagsOf(Benchmark b) {
    CommandFlags flags = new CommandFlags("bench --what " + b.what())
        .flag("what", "WHAT", "what to measure: " + String.join(" | ", benchmarks().keySet()));
    b.declare(flags);
    return flags;
  }

  /** VmHWM of /proc/self/status in MiB (-1 where there is no /proc). */
  public static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) / 1024.0; // kB
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /**
   * The result line: doubles rounded to 4 significant digits (timings are not more precise than
   * that), written by {@link Json#line}.
   */
  static String json(Map<String, Object> m) {
    Map<String, Object> rounded = new LinkedHashMap<>();
    m.forEach((k, v) -> rounded.put(k, v instanceof Double d && Double.isFinite(d)
        ? Double.parseDouble(String.format(Locale.ROOT, "%.4g", d)) : v));
    return Json.line(rounded);
  }
}
