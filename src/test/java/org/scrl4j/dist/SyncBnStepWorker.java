package org.scrl4j.dist;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.model.BatchMoments;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.optim.EmaSchedule;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsGrouping;
import org.scrl4j.optim.LrSchedule;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * One replica of {@link SyncBnStepGradientTest}: the BYOL step of a ResNet-18 (width 8) on this
 * rank's share of a fixed global batch, writing every reduced gradient. Arguments: {@code rank
 * world port outFile}.
 */
public final class SyncBnStepWorker {
  static final int IMAGES = 8;
  static final int SIZE = 32;

  public static void main(String[] args) throws Exception {
    int rank = Integer.parseInt(args[0]);
    int world = Integer.parseInt(args[1]);
    int port = Integer.parseInt(args[2]);
    DistSettings settings = DistSettings.parse(1, 0, world, rank, "tcp://127.0.0.1:" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(120));
    try (DistContext ctx = DistContext.start(settings)) {
      try (Graph g = new Graph()) {
        Ops tf = ctx.place(Ops.create(g));
        Map<String, float[]> grads = gradients(ctx, g, tf, views(tf, rank, world), ctx.syncBnMoments(),
            ctx.collectives(tf).gradientMean(), ctx.crossReplicaSum());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(args[3])))) {
          grads.forEach((k, v) -> w.println(k + " " + DistWorkerMain.hex(v)));
        }
      }
      ctx.finish();
    }
    System.exit(0);
  }

  /** Rows of the global batch (view 1 of every image, then view 2) that rank {@code rank} of {@code world} holds. */
  static int[] rowsOf(int rank, int world) {
    int per = IMAGES / world;
    int[] rows = new int[2 * per];
    for (int i = 0; i < per; i++) {
      rows[i] = rank * per + i;
      rows[per + i] = IMAGES + rank * per + i;
    }
    return rows;
  }

  /** This rank's views, [2 * IMAGES / world, SIZE, SIZE, 3], from a fixed random global batch. */
  static Operand<TFloat32> views(Ops tf, int rank, int world) {
    int image = SIZE * SIZE * 3;
    Random rnd = new Random(5);
    float[] all = new float[2 * IMAGES * image];
    for (int i = 0; i < all.length; i++) {
      all[i] = (float) rnd.nextGaussian();
    }
    int[] rows = rowsOf(rank, world);
    float[] mine = new float[rows.length * image];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(all, rows[i] * image, mine, i * image, image);
    }
    return tf.constant(Shape.of(rows.length, SIZE, SIZE, 3), DataBuffers.of(mine));
  }

  /** Builds the step, initialises it (seed 42, the same on every rank) and fetches its gradients. */
  static Map<String, float[]> gradients(DistContext ctx, Graph g, Ops tf, Operand<TFloat32> views,
      BatchMoments moments, java.util.function.UnaryOperator<List<Operand<TFloat32>>> reducer,
      BatchMoments.CrossReplicaSum replicaSum) {
    ParamStore store = new ParamStore(tf);
    PretrainStep step = PretrainStep.build(tf, store, new PretrainStep.Settings(ResNetSpec.of("resnet18", 8),
        new ByolNetwork.HeadSpec(64, 32), PretrainStep.Method.BYOL, 0,
        Lars.pretraining(1e-6, LarsGrouping.REFERENCE), new LrSchedule(0.1, 2, 0, 1),
        new EmaSchedule(0.99, 2), moments, reducer, replicaSum), new PretrainStep.Inputs(views, null, null));
    List<String> names = new ArrayList<>(step.gradients().keySet());
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    try (Session s = ctx.newSession(g)) {
      store.initialize(s, 42);
      Session.Runner runner = s.runner();
      names.forEach(n -> runner.fetch(step.gradients().get(n)));
      try (Result r = ctx.run(runner::run)) {
        for (int i = 0; i < names.size(); i++) {
          out.put(names.get(i), org.scrl4j.model.TensorValues.floats(r.get(i)));
        }
      }
    }
    return out;
  }
}
