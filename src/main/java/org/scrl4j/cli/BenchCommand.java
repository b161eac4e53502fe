package org.scrl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        StringBuilder sb = new StringBuilder("usage: tools/scrl bench --what WHAT [flags]\n");
        all.values().forEach(b -> sb.append("  --what ").append(b.what()).append(' ').append(b.usage()).append('\n'));
        System.out.print(sb);
        return 0;
      }
      if (!a.startsWith("--")) {
        throw new UserError("unexpected argument '" + a + "'; see tools/scrl bench --help");
      }
      String key = a.substring(2);
      int eq = key.indexOf('=');
      if (eq >= 0) {
        flags.put(key.substring(0, eq), key.substring(eq + 1));
      } else if (i + 1 < args.size()) {
        flags.put(key, args.get(++i));
      } else {
        throw new UserError("flag --" + key + " needs a value");
      }
    }
    String what = flags.remove("what");
    if (what == null) {
      throw new UserError("missing --what; one of " + all.keySet());
    }
    Benchmark b = all.get(what);
    if (b == null) {
      throw new UserError("unknown --what " + what + "; one of " + all.keySet());
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
