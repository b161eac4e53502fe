package org.scrl4j.cli;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.scrl4j.common.CommandFlags;
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
    CommandFlags flags = new CommandFlags(name())
        .usage("tools/scrl dist-check [flags]  (run it on every machine)")
        .flag("num_machines", "N", "machines in the job (default 1)")
        .flag("machine_rank", "R", "this machine's rank, 0..num_machines-1 (default 0)")
        .flag("num_devices", "N", "replicas per machine (default 1)")
        .flag("local_rank", "R", "this replica's index on the machine (default: start them all)")
        .flag("dist_url", "URL", "tcp://HOST:PORT of machine 0, or auto (default auto)")
        .flag("device", "TYPE", "CPU or GPU (default CPU)")
        .flag("reps", "N", "timed all-reduces (default 5)")
        .flag("bucket_mb", "MB", "all-reduce bucket size (default 4)")
        .flag("start_timeout", "S", "seconds to wait for every replica to join (default 300)")
        .flag("collective_timeout", "S", "seconds one collective may take (default 600)")
        .footer("Ports: dist_url port (rank 0's rendezvous) and port+1+rank (TensorFlow server of each rank).");
    if (!flags.parse(args)) {
      return 0;
    }
    boolean spawnLocal = !flags.isSet("local_rank");
    int localIndex = spawnLocal ? LocalReplicas.localIndex() : flags.integer("local_rank", 0);
    int bucketMb = flags.positiveInt("bucket_mb", 4);
    DistSettings settings = DistSettings.parse(
        flags.integer("num_machines", 1), flags.integer("machine_rank", 0), flags.integer("num_devices", 1),
        localIndex, flags.optional("dist_url", "auto"), flags.optional("device", "CPU").toUpperCase(Locale.ROOT))
        .withTimeouts(Duration.ofSeconds(flags.integer("start_timeout", 300)),
            Duration.ofSeconds(flags.integer("collective_timeout", 600)));
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
      double[] ms = AllReduceBenchmark.run(ctx, shapes, (long) bucketMb << 20, flags.positiveInt("reps", 5));
      ctx.finish();
      if (ctx.isChief()) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
            "all-reduce mean of %d tensors (%.2fM floats), %d MB buckets, %d replicas, ms per run:",
            shapes.size(), AllReduceBenchmark.floats(shapes) / 1e6, bucketMb, ctx.world()));
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
}
