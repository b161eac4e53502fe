package org.scrl4j.dist;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.scrl4j.UserError;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * One replica process of the multi-process tests (and the all-reduce benchmark). Arguments:
 * {@code mode rank world port steps outFile [stepSleepMillis]} where mode is {@code train} (the
 * {@link TinyModel} on this rank's shard, weights after every step written to outFile as float bits)
 * or {@code bench} (bucketed mean of ResNet-50-sized gradients, timings to outFile).
 */
public final class DistWorkerMain {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int rank = Integer.parseInt(args[1]);
    int world = Integer.parseInt(args[2]);
    int port = Integer.parseInt(args[3]);
    int steps = Integer.parseInt(args[4]);
    Path out = Path.of(args[5]);
    long sleepMillis = args.length > 6 ? Long.parseLong(args[6]) : 0;
    // One machine, one process per device: rank = local device index.
    DistSettings settings = DistSettings.parse(1, 0, world, rank, "tcp://127.0.0.1:" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(mode.equals("bench") ? 180 : 20));
    try (DistContext ctx = DistContext.start(settings);
        PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
      if (mode.equals("train")) {
        train(ctx, steps, w, sleepMillis);
      } else {
        // For the benchmark the last argument is the bucket size in MB (0: one all-reduce per tensor).
        bench(ctx, steps, w, sleepMillis == 0 ? 1 : sleepMillis << 20);
      }
      ctx.finish();
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
      if (System.getenv("DIST_DEBUG") != null) {
        float[][] xs = TinyModel.inputs(0, ctx.rank() * shard, (ctx.rank() + 1) * shard);
        try (var xt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(xs));
            var yt = TFloat32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(TinyModel.targets(xs)))) {
          var r = model.session.runner().feed(model.x, xt).feed(model.y, yt);
          model.avgGrads.forEach(r::fetch);
          try (var res = r.run()) {
            for (int i = 0; i < model.avgGrads.size(); i++) {
              StringBuilder b = new StringBuilder("grad" + i);
              ((TFloat32) res.get(i)).scalars().forEach(v -> b.append(' ').append(v.getFloat()));
              w.println(b);
            }
          }
        }
      }
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

  /** ResNet-50's 161 trainable tensors (25.56M floats) approximated by its parameter sizes. */
  static List<long[]> resnet50Shapes() {
    List<long[]> shapes = new ArrayList<>();
    shapes.add(new long[] {7, 7, 3, 64});
    shapes.add(new long[] {64});
    shapes.add(new long[] {64});
    int in = 64;
    int[] blocks = {3, 4, 6, 3};
    int[] widths = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; stage++) {
      int width = widths[stage];
      for (int b = 0; b < blocks[stage]; b++) {
        shapes.add(new long[] {1, 1, in, width});
        shapes.add(new long[] {width});
        shapes.add(new long[] {width});
        shapes.add(new long[] {3, 3, width, width});
        shapes.add(new long[] {width});
        shapes.add(new long[] {width});
        shapes.add(new long[] {1, 1, width, 4 * width});
        shapes.add(new long[] {4 * width});
        shapes.add(new long[] {4 * width});
        if (b == 0) {
          shapes.add(new long[] {1, 1, in, 4 * width});
          shapes.add(new long[] {4 * width});
          shapes.add(new long[] {4 * width});
        }
        in = 4 * width;
      }
    }
    shapes.add(new long[] {2048, 1000});
    shapes.add(new long[] {1000});
    return shapes;
  }

  private static void bench(DistContext ctx, int reps, PrintWriter w, long bucketBytes) {
    try (Graph g = new Graph()) {
      Ops tf = ctx.place(Ops.create(g));
      List<Operand<TFloat32>> grads = new ArrayList<>();
      long floats = 0;
      Random rnd = new Random(ctx.rank());
      for (long[] dims : resnet50Shapes()) {
        // Variables, so a timed run costs the reduction (plus a read), not generating the values.
        grads.add(tf.identity(tf.variable(tf.fill(tf.constant(dims), tf.constant(rnd.nextFloat())))));
        floats += Shape.of(dims).size();
      }
      List<Operand<TFloat32>> avg = ctx.collectives(tf).withBucketBytes(bucketBytes).allReduceMean(grads);
      Op all = tf.withControlDependencies(avg.stream().map(a -> (Op) a).toList()).noOp();
      try (Session s = ctx.newSession(g)) {
        s.initialize();
        w.println("tensors " + grads.size() + " floats " + floats + " bucket bytes " + bucketBytes);
        for (int i = 0; i < reps; i++) {
          long t0 = System.nanoTime();
          ctx.run(() -> {
            s.runner().addTarget(all).run().close();
            return null;
          });
          w.println("rep " + i + " ms " + (System.nanoTime() - t0) / 1e6);
          w.flush();
        }
      }
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
