package org.scrl4j.cli;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.scrl4j.common.UserError;
import org.scrl4j.dist.DistContext;
import org.scrl4j.dist.DistSettings;
import org.scrl4j.dist.LocalReplicas;

/**
 * {@code tools/scrl dist-check}: tries a multi-machine set-up before a long run. Every process
 * joins the job with the same flags as training, passes a barrier and times the all-reduce of
 * ResNet-50-sized gradients; rank 0 prints the timings.
 */
public final class DistCheckCommand implements Command {
  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("num_machines", "1");
    FLAGS.put("machine_rank", "0");
    FLAGS.put("num_devices", "1");
    FLAGS.put("local_rank", "");
    FLAGS.put("dist_url", "auto");
    FLAGS.put("device", "CPU");
    FLAGS.put("reps", "5");
    FLAGS.put("bucket_mb", "4");
    FLAGS.put("start_timeout", "300");
    FLAGS.put("collective_timeout", "600");
  }

  @Override
  public String name() {
    return "dist-check";
  }

  @Override
  public String summary() {
    return "join a multi-machine job, pass a barrier, time a ResNet-50 gradient all-reduce";
  }

  @Override
  public int run(List<String> args) {
    Map<String, String> v = parse(args);
    if (v == null) {
      System.out.print(usage());
      return 0;
    }
    boolean spawnLocal = v.get("local_rank").isEmpty();
    int localIndex = spawnLocal ? LocalReplicas.localIndex() : integer(v, "local_rank");
    DistSettings settings = DistSettings.parse(
        integer(v, "num_machines"), integer(v, "machine_rank"), integer(v, "num_devices"),
        localIndex, v.get("dist_url"), v.get("device").toUpperCase(Locale.ROOT))
        .withTimeouts(Duration.ofSeconds(integer(v, "start_timeout")),
            Duration.ofSeconds(integer(v, "collective_timeout")));
    if (!settings.isDistributed()) {
      throw new UserError("dist-check needs more than one replica: set --num_machines or --num_devices above 1");
    }
    // Started without --local_rank on a machine with several devices: start the other local replicas.
    List<String> argv = new java.util.ArrayList<>(List.of(name()));
    argv.addAll(args);
    List<Process> siblings = spawnLocal ? LocalReplicas.spawnSiblings(settings, argv) : List.of();
    List<long[]> shapes = AllReduceBenchmark.resnet50Shapes();
    try (DistContext ctx = DistContext.start(settings)) {
      System.out.println("rank " + ctx.rank() + "/" + ctx.world() + " joined: " + ctx.addresses());
      double[] ms = AllReduceBenchmark.run(ctx, shapes, (long) integer(v, "bucket_mb") << 20, integer(v, "reps"));
      ctx.finish();
      if (ctx.isChief()) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
            "all-reduce mean of %d tensors (%.2fM floats), %s MB buckets, %d replicas, ms per run:",
            shapes.size(), AllReduceBenchmark.floats(shapes) / 1e6, v.get("bucket_mb"), ctx.world()));
        for (double m : ms) {
          b.append(String.format(Locale.ROOT, " %.0f", m));
        }
        System.out.println(b);
      }
    }
    for (Process p : siblings) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return 0;
  }

  private static Map<String, String> parse(List<String> args) {
    Map<String, String> v = new LinkedHashMap<>(FLAGS);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        return null;
      }
      if (!a.startsWith("--")) {
        throw new UserError("unexpected argument '" + a + "'; flags look like --dist_url tcp://host:port");
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new UserError("--" + key + " needs a value");
      }
      if (!FLAGS.containsKey(key)) {
        throw new UserError("unknown flag --" + key + "; dist-check takes --" + String.join(", --", FLAGS.keySet()));
      }
      v.put(key, value);
    }
    return v;
  }

  private static int integer(Map<String, String> v, String key) {
    try {
      return Integer.parseInt(v.get(key));
    } catch (NumberFormatException e) {
      throw new UserError("--" + key + " '" + v.get(key) + "' is not a whole number");
    }
  }

  private static String usage() {
    StringBuilder b = new StringBuilder("usage: tools/scrl dist-check [flags]  (run it on every machine)\n");
    FLAGS.forEach((k, d) -> b.append(String.format("  --%-20s default %s%n", k, d)));
    b.append("Ports: dist_url port (rank 0's rendezvous) and port+1+rank (TensorFlow server of each rank).\n");
    return b.toString();
  }
}
