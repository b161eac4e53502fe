package org.scrl4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;
import org.scrl4j.dist.Collectives;
import org.scrl4j.dist.DistContext;
import org.scrl4j.dist.DistSettings;
import org.scrl4j.dist.LocalReplicas;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.Precision;
import org.scrl4j.model.ResNetSpec;
import org.scrl4j.model.TensorValues;
import org.scrl4j.optim.EmaSchedule;
import org.scrl4j.optim.Lars;
import org.scrl4j.optim.LarsGrouping;
import org.scrl4j.optim.LrSchedule;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * {@code bench --what step}: the full pre-training step (online + target forward, loss, backward,
 * LARS, EMA, BN updates, evaluator) on synthetic views fed from the host, after warm-up. Batch =
 * images; each image contributes two views (and 10 box pairs for SCRL), as in training.
 */
public final class StepBenchmark implements Benchmark {
  @Override
  public String what() {
    return "step";
  }

  @Override
  public void declare(CommandFlags flags) {
    flags.flag("arch", "ARCH", "resnet18 | resnet34 | resnet50 | resnet101 (default resnet50)")
        .flag("batch", "N", "images per step; each gives two views (default 16)")
        .flag("size", "N", "view side in pixels, at least 32 (default 224)")
        .flag("method", "METHOD", "scrl | byol (default scrl)")
        .flag("steps", "N", "timed steps (default 5)")
        .flag("warmup", "N", "untimed steps first (default 2)")
        .flag("width", "N", "backbone base width (default 64)")
        .flag("hidden", "N", "projector/predictor hidden width (default 4096)")
        .flag("out-dim", "N", "projection width (default 256)")
        .flag("classes", "N", "linear evaluator classes, 0 for none (default 1000)")
        .flag("seed", "S", "seed of the weights and synthetic inputs (default 0)")
        .flag("num_devices", "N", "processes on this machine: synchronised BN, gradient all-reduce;"
            + " adds the all-reduce's share of the step (default 1)")
        .flag("dist_url", "URL", "auto | tcp://127.0.0.1:PORT, with --num_devices (default auto)")
        .flag("gradient_allreduce", "MODE", "mean | none: with --num_devices, none skips the gradients'"
            + " all-reduce (synchronised BN stays), so the step-time difference is what the all-reduce"
            + " costs a step after its overlap with the backward pass (default mean)")
        .flag("bn_float64_moments", "BOOL", "true | false: batch-norm moments accumulated in float64,"
            + " as train/bn_float64_moments (default true)")
        .flag("precision", "P", Precision.choices() + ", as train/precision (default float32)")
        .flag("profile", "FILE", "after the timed steps, trace one more step and write its kernel time"
            + " per op type to FILE (JSON)");
  }

  @Override
  public Map<String, Object> run(CommandFlags flags) {
    String arch = flags.optional("arch", "resnet50");
    int batch = flags.integer("batch", 16);
    int size = flags.integer("size", 224);
    int steps = flags.integer("steps", 5);
    int warmup = flags.integer("warmup", 2);
    int classes = flags.integer("classes", 1000);
    String methodName = flags.choice("method", "scrl", "scrl", "byol");
    PretrainStep.Method method = methodName.equals("scrl") ? PretrainStep.Method.SCRL : PretrainStep.Method.BYOL;
    if (batch < 1 || size < 32 || steps < 1 || warmup < 0) {
      throw flags.error("need --batch >= 1, --size >= 32, --steps >= 1, --warmup >= 0");
    }
    ResNetSpec spec = ResNetSpec.of(arch, flags.integer("width", 64));
    ByolNetwork.HeadSpec heads = new ByolNetwork.HeadSpec(flags.integer("hidden", 4096),
        flags.integer("out-dim", 256));
    long seed = flags.integer("seed", 0);

    int devices = flags.integer("num_devices", 1);
    DistContext dist = DistContext.single();
    if (devices > 1) {
      DistSettings ds = DistSettings.parse(1, 0, devices, LocalReplicas.localIndex(),
          flags.optional("dist_url", "auto"), "CPU");
      List<String> argv = new ArrayList<>(List.of("bench"));
      flags.given().forEach((k, v) -> argv.addAll(List.of("--" + k, v))); // --what step included
      LocalReplicas.spawnSiblings(ds, argv);
      dist = DistContext.start(ds);
    }
    try (DistContext d = dist) {
      String profile = flags.optional("profile", null);
      boolean bnFloat64 = flags.choice("bn_float64_moments", "true", "true", "false").equals("true");
      Precision precision = Precision.parse("--precision",
          flags.choice("precision", "float32", "float32", "mixed_bfloat16", "mixed_float16"));
      precision.checkSupported(d.settings().deviceType());
      boolean reduceGradients = flags.choice("gradient_allreduce", "mean", "mean", "none").equals("mean");
      Map<String, Object> out = run(d, method, methodName, spec, heads, batch, size, steps, warmup,
          classes, seed, bnFloat64, precision, profile == null ? null : java.nio.file.Path.of(profile),
          reduceGradients);
      d.finish();
      return d.isChief() ? out : null;
    }
  }

  private Map<String, Object> run(DistContext dist, PretrainStep.Method method, String methodName,
      ResNetSpec spec, ByolNetwork.HeadSpec heads, int batch, int size, int steps, int warmup,
      int classes, long seed, boolean bnFloat64, Precision precision, java.nio.file.Path profile,
      boolean reduceGradients) {
    int views = 2 * batch;
    int boxesPerImage = 10;
    long buildStart = System.nanoTime();
    double buildS;
    double initS;
    double firstStepS = 0;
    double startToFirstStepS = 0;
    try (Graph g = new Graph()) {
      Ops tf = dist.place(Ops.create(g));
      Placeholder<TFloat32> viewsIn = tf.withName("views").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(views, size, size, 3)));
      Placeholder<TFloat32> boxesIn = method == PretrainStep.Method.SCRL
          ? tf.withName("boxes").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 5))) : null;
      Placeholder<TInt64> labelsIn = classes > 0
          ? tf.withName("labels").placeholder(TInt64.class, Placeholder.shape(Shape.of(batch))) : null;
      ParamStore store = new ParamStore(tf);
      // the paper schedule shape (ImageNet, 256 per process): 5004 steps/epoch, 10 warm-up, 200 epochs
      PretrainStep step = PretrainStep.build(tf, store, new PretrainStep.Settings(spec, heads, method,
              classes, Lars.pretraining(1e-6, LarsGrouping.REFERENCE), new LrSchedule(0.45, 5004, 10, 200),
              new EmaSchedule(0.97, 5004L * 200), dist.syncBnMoments(bnFloat64),
              dist.world() > 1 && reduceGradients ? dist.collectives(tf).gradientMean() : g2 -> g2,
              dist.crossReplicaSum())
              .forPrecision(precision, dist.world()),
          new PretrainStep.Inputs(viewsIn, boxesIn, labelsIn));
      int nodes = (int) g.toGraphDef().getNodeCount();
      buildS = (System.nanoTime() - buildStart) / 1e9;

      Random rnd = new Random(seed);
      float[] pixels = new float[views * size * size * 3];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) rnd.nextGaussian();
      }
      float[] boxes = boxes(rnd, batch, boxesPerImage, size);
      long[] labels = new long[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = rnd.nextInt(Math.max(classes, 1));
      }
      List<Double> times = new ArrayList<>();
      try (Session s = dist.newSession(g, precision.sessionOptions());
           TFloat32 viewsT = TensorValues.tensor(pixels, views, size, size, 3);
           TFloat32 boxesT = TensorValues.tensor(boxes, boxes.length / 5, 5);
           TInt64 labelsT = TInt64.vectorOf(labels)) {
        long initStart = System.nanoTime();
        store.initialize(s, seed);
        s.run(step.initializer());
        initS = (System.nanoTime() - initStart) / 1e9;
        for (int i = 0; i < warmup + steps; i++) {
          Session.Runner r = s.runner().feed(viewsIn, viewsT).addTarget(step.trainOp()).fetch(step.loss());
          if (boxesIn != null) {
            r.feed(boxesIn, boxesT);
          }
          if (labelsIn != null) {
            r.feed(labelsIn, labelsT);
          }
          long t0 = System.nanoTime();
          float loss;
          try (var res = dist.run(r::run)) {
            loss = TensorValues.scalar(res.get(0));
          }
          double dt = (System.nanoTime() - t0) / 1e9;
          if (!Float.isFinite(loss)) {
            throw new IllegalStateException("loss is " + loss + " at step " + i);
          }
          if (i == 0) {
            // the first run also optimises the graph (grappler) and creates the kernels
            firstStepS = dt;
            startToFirstStepS = (System.currentTimeMillis()
                - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3;
          }
          if (i >= warmup) {
            times.add(dt);
          }
        }
        if (profile != null) {
          Session.Runner r = s.runner().feed(viewsIn, viewsT).addTarget(step.trainOp()).fetch(step.loss())
              .setOptions(RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build());
          if (boxesIn != null) {
            r.feed(boxesIn, boxesT);
          }
          if (labelsIn != null) {
            r.feed(labelsIn, labelsT);
          }
          long t0 = System.nanoTime();
          try (Result res = r.runAndFetchMetadata()) {
            double wall = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> p = StepProfile.summarise(
                res.getMetadata().orElseThrow().getStepStats(), wall, 40);
            try {
              java.nio.file.Files.writeString(profile, Json.write(p) + "\n");
            } catch (java.io.IOException e) {
              throw new UserError("bench: cannot write --profile " + profile + ": " + e.getMessage());
            }
          }
        }
      }
      double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
          : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      Map<String, Object> out = new LinkedHashMap<>();
      if (dist.world() > 1) {
        // The same bucketed mean of tensors shaped like this model's gradients, alone: its share of
        // the step is what the all-reduce would cost without overlap with the backward pass.
        List<long[]> shapes = new ArrayList<>();
        step.optimizer().momentumBuffers().forEach(m -> shapes.add(m.shape().asArray()));
        double[] ms = AllReduceBenchmark.run(dist, shapes, Collectives.DEFAULT_BUCKET_BYTES, warmup + steps);
        double[] timed = java.util.Arrays.copyOfRange(ms, Math.min(warmup, ms.length - 1), ms.length);
        java.util.Arrays.sort(timed);
        double allReduce = timed[timed.length / 2] / 1000.0;
        out.put("processes", dist.world());
        out.put("gradient_allreduce", reduceGradients ? "mean" : "none");
        out.put("gradient_floats", AllReduceBenchmark.floats(shapes));
        out.put("allreduce_s", allReduce);
        out.put("allreduce_share", allReduce / median);
      }
      out.put("arch", spec.arch());
      out.put("method", methodName);
      out.put("batch_images", batch);
      out.put("size", size);
      out.put("boxes", method == PretrainStep.Method.SCRL ? boxes.length / 5 : 0);
      out.put("steps", steps);
      out.put("warmup", warmup);
      out.put("median_step_s", median);
      out.put("images_per_s", batch / median);
      out.put("global_images_per_s", batch * dist.world() / median);
      out.put("min_step_s", sorted[0]);
      out.put("max_step_s", sorted[sorted.length - 1]);
      out.put("graph_nodes", nodes);
      out.put("graph_build_s", buildS);
      out.put("session_init_s", initS);
      out.put("first_step_s", firstStepS);
      out.put("jvm_start_to_first_step_s", startToFirstStepS);
      out.put("bn_float64_moments", bnFloat64);
      out.put("precision", precision.configValue());
      out.put("onednn", String.valueOf(System.getenv("TF_ENABLE_ONEDNN_OPTS")));
      return out;
    }
  }

  /** K = 2 * batch * perImage boxes, sides >= 32 px: view-1 rows (image b) then their view-2 matches (b + batch). */
  public static float[] boxes(Random rnd, int batch, int perImage, int size) {
    int k = batch * perImage;
    float[] out = new float[2 * k * 5];
    for (int view = 0; view < 2; view++) {
      for (int i = 0; i < k; i++) {
        int b = i / perImage;
        float w = 32 + rnd.nextInt(size - 32 + 1);
        float h = 32 + rnd.nextInt(size - 32 + 1);
        float x = rnd.nextInt((int) (size - w) + 1);
        float y = rnd.nextInt((int) (size - h) + 1);
        int row = (view * k + i) * 5;
        out[row] = b + view * batch;
        out[row + 1] = x;
        out[row + 2] = y;
        out[row + 3] = x + w;
        out[row + 4] = y + h;
      }
    }
    return out;
  }
}
