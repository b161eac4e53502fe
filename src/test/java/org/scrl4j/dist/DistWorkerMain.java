package org.scrl4j.dist;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.scrl4j.cli.AllReduceBenchmark;
import org.scrl4j.common.UserError;

/**
 * One replica process of the multi-process tests (and the all-reduce benchmark). Arguments:
 * {@code mode rank world port steps outFile [stepSleepMillis]} where mode is {@code train} (the
 * {@link TinyModel} on this rank's shard, weights after every step written to outFile as float bits)
 * or {@code bench} (bucketed mean of ResNet-50-sized gradients, timings to outFile).
 */
public final class DistWorkerMain {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    // "spawn": this process is local replica 0 and starts the others itself (LocalReplicas).
    boolean spawn = mode.equals("spawn");
    int rank = spawn ? LocalReplicas.localIndex() : Integer.parseInt(args[1]);
    int world = Integer.parseInt(args[2]);
    int port = Integer.parseInt(args[3]);
    int steps = Integer.parseInt(args[4]);
    Path out = Path.of(args[5] + (spawn ? Integer.toString(rank) : ""));
    long sleepMillis = args.length > 6 ? Long.parseLong(args[6]) : 0;
    // One machine, one process per device: rank = local device index.
    DistSettings settings = DistSettings.parse(1, 0, world, rank, "tcp://127.0.0.1:" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(mode.equals("bench") ? 180 : 20));
    List<Process> siblings = spawn ? LocalReplicas.spawnSiblings(settings, List.of(args)) : List.of();
    try (DistContext ctx = DistContext.start(settings);
        PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
      if (!mode.equals("bench")) {
        train(ctx, steps, w, sleepMillis);
      } else {
        // For the benchmark the last argument is the bucket size in MB (0: one all-reduce per tensor).
        bench(ctx, steps, w, sleepMillis == 0 ? 1 : sleepMillis << 20);
      }
      ctx.finish();
      for (Process p : siblings) {
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new UserError("a local replica failed", 1);
        }
      }
    } catch (UserError e) {
      System.err.println("scrl: " + e.getMessage());
      System.exit(e.exitCode());
    }
    System.exit(0);
  }

  private static void train(DistContext ctx, int steps, PrintWriter w, long sleepMillis)
      throws InterruptedException {
    int shard = TinyModel.GLOBAL_BATCH / ctx.world();
    try (TinyModel model = new TinyModel(ctx, 77 + ctx.rank())) {
      ctx.run(() -> {
        model.session.runner().addTarget(model.broadcast).run().close();
        return null;
      });
      w.println("init " + hex(model.weights()));
      for (int s = 0; s < steps; s++) {
        model.step(ctx, TinyModel.inputs(s, ctx.rank() * shard, (ctx.rank() + 1) * shard));
        w.println("step" + s + " " + hex(model.weights()));
        w.flush();
        System.out.println("STEP " + s);
        System.out.flush();
        if (sleepMillis > 0) {
          Thread.sleep(sleepMillis);
        }
      }
      float[][] evalRows = TinyModel.inputs(999, ctx.rank() * shard, (ctx.rank() + 1) * shard);
      w.println("correct " + model.correct(ctx, evalRows));
    }
  }

  private static void bench(DistContext ctx, int reps, PrintWriter w, long bucketBytes) {
    List<long[]> shapes = AllReduceBenchmark.resnet50Shapes();
    w.println("tensors " + shapes.size() + " floats " + AllReduceBenchmark.floats(shapes) + " bucket bytes " + bucketBytes);
    double[] ms = AllReduceBenchmark.run(ctx, shapes, bucketBytes, reps);
    for (int i = 0; i < ms.length; i++) {
      w.println("rep " + i + " ms " + ms[i]);
    }
  }

  static String hex(float[] v) {
    StringBuilder b = new StringBuilder();
    for (float f : v) {
      b.append(Integer.toHexString(Float.floatToRawIntBits(f))).append(',');
    }
    return b.toString();
  }
}
