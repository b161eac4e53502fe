package org.scrl4j.cli;

import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;
import org.scrl4j.data.Examples;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.ImageSources;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.Jpegs;
import org.scrl4j.data.PipelineOptions;
import org.scrl4j.data.Pipelines;
import org.scrl4j.data.PretrainAugmentation;
import org.scrl4j.data.Split;
import org.scrl4j.data.TfRecordSource;
import org.scrl4j.data.TfRecords;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.op.Ops;

/**
 * {@code bench --what input}: pre-training input throughput, i.e. how many images per second the
 * SCRL pipeline turns into two augmented views plus boxes, from TFRecords of ImageNet-sized JPEGs
 * (500 x 375, generated) or the user's dataset, with one map call per core. The timed steady state
 * and the cost of starting an epoch are reported apart ({@code cpu_ms_per_image},
 * {@code epoch_start_cpu_ms}), since an epoch of a real dataset is thousands of batches long.
 */
public final class InputBenchmark {
  public static final int WIDTH = 500;
  public static final int HEIGHT = 375;
  /** Batches per timed epoch (a small set is cycled to fill it). */
  static final int STEADY_BATCHES = 200;
  /** Epoch starts timed after the steady state, and batches timed after each. */
  static final int EPOCH_STARTS = 2;
  static final int AFTER_START = 8;

  private InputBenchmark() {}

  /**
   * Runs the benchmark and returns its result as one JSON line.
   *
   * @param workDir where the generated shards are kept (reused when already there)
   * @param images distinct images to generate (the pipeline cycles through them epoch by epoch)
   * @param batchSize images per batch
   * @param warmupBatches batches run before timing (graph optimisation, thread start-up)
   * @param seconds timed duration
   * @param threads parallel map calls (0: all cores)
   */
  public static Map<String, Object> measure(Path workDir, int images, int batchSize, int warmupBatches,
      double seconds, int threads) {
    Path shards = workDir.resolve("input-bench-" + images);
    try {
      if (!TfRecordSource.hasShards(shards, Split.TRAIN)) {
        generate(shards, images);
      }
    } catch (IOException e) {
      throw new UserError("cannot write benchmark images to " + shards + ": " + e.getMessage());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pipeline", "scrl_pretrain");
    out.put("source", "tfrecord");
    out.put("image_size", WIDTH + "x" + HEIGHT);
    out.putAll(measure(TfRecordSource.open(shards, Split.TRAIN), PretrainAugmentation.defaults(),
        batchSize, warmupBatches, seconds, threads));
    return out;
  }

  /**
   * As {@link #measure(Path, int, int, int, double, int)} on the user's own images: the train split
   * of a dataset root as training reads it (TFRecord shards or train/class folders of JPEGs), so a
   * user can size a machine for their data, with {@code augmentation} (the paper's defaults, or a
   * training config's augmentation and boxes).
   */
  public static Map<String, Object> measureData(Path root, PretrainAugmentation augmentation,
      int batchSize, int warmupBatches, double seconds, int threads) {
    ImageSource source = ImageSources.open(root, Split.TRAIN);
    if (source.size() < batchSize) {
      throw new UserError(root + " holds " + source.size() + " training images, fewer than one batch of "
          + batchSize + "; pass a smaller --batch or more images");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pipeline", "scrl_pretrain");
    out.put("source", source instanceof TfRecordSource ? "tfrecord" : "folder");
    out.put("data", root.toString());
    out.put("images", source.size());
    out.putAll(measure(source, augmentation, batchSize, warmupBatches, seconds, threads));
    return out;
  }

  private static Map<String, Object> measure(ImageSource source, PretrainAugmentation augmentation,
      int batchSize, int warmupBatches, double seconds, int threads) {
    int calls = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    // A small set is read round and round so that an epoch lasts STEADY_BATCHES batches, as an
    // epoch of a real dataset does: the steady state is timed apart from the epoch start (the
    // iterator and its functions are instantiated anew each epoch), which is reported on its own.
    ImageSource cycled = ImageSources.cycle(source, STEADY_BATCHES * batchSize);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      InputPipeline p = Pipelines.pretraining(tf.withSubScope("input"), cycled,
          augmentation, PipelineOptions.training(batchSize, 0, 1, 0).withParallelCalls(calls));
      Pipelines.PretrainBatch batch = Pipelines.pretrainBatch(tf, p);
      // Fetch something tiny that still depends on every output, so the timing is the pipeline's
      // and not the copy of the views into Java.
      Operand<?> probe = tf.math.add(tf.sum(batch.images(), tf.constant(new int[] {0, 1, 2, 3})),
          tf.sum(batch.rois(), tf.constant(new int[] {0, 1})));
      long[] epoch = {0};
      p.startEpoch(s, epoch[0], 0);
      Runnable step = () -> {
        while (true) {
          try (Result r = s.runner().fetch(probe).run()) {
            return;
          } catch (TFOutOfRangeException end) {
            p.startEpoch(s, ++epoch[0], 0);
          }
        }
      };
      for (int i = 0; i < warmupBatches; i++) {
        step.run();
      }
      long start = System.nanoTime();
      long cpuStart = processCpuNanos();
      long batches = 0;
      while (batches == 0 || (System.nanoTime() - start) / 1e9 < seconds) {
        step.run();
        batches++;
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      double cpuMs = (processCpuNanos() - cpuStart) / 1e6;
      double perSec = batches * batchSize / elapsed;
      // Epoch start: a new epoch and AFTER_START batches, less what those batches cost at the
      // steady rate; after them the prefetch buffer is as full as in the steady state.
      double startCpuMs = 0;
      double startSeconds = 0;
      for (int i = 0; i < EPOCH_STARTS; i++) {
        long t0 = System.nanoTime();
        long c0 = processCpuNanos();
        p.startEpoch(s, ++epoch[0], 0);
        for (int b = 0; b < AFTER_START; b++) {
          step.run();
        }
        startCpuMs += (processCpuNanos() - c0) / 1e6 - AFTER_START * cpuMs / batches;
        startSeconds += (System.nanoTime() - t0) / 1e9 - AFTER_START * elapsed / batches;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("augment", augmentation.augmentParams().type().configName());
      out.put("view_size", augmentation.augmentParams().inputSize());
      out.put("batch", batchSize);
      out.put("map_threads", calls);
      out.put("cores", Runtime.getRuntime().availableProcessors());
      out.put("batches", batches);
      out.put("seconds", round(elapsed, 2));
      out.put("cpu_ms_per_image", round(cpuMs / (batches * batchSize), 1));
      out.put("images_per_sec", round(perSec, 2));
      out.put("views_per_sec", round(2 * perSec, 2));
      // Differences of two measured costs: short runs can make them slightly negative; 0 then.
      out.put("epoch_start_cpu_ms", round(Math.max(0, startCpuMs / EPOCH_STARTS), 0));
      out.put("epoch_start_seconds", round(Math.max(0, startSeconds / EPOCH_STARTS), 2));
      return out;
    }
  }

  /** As {@link #measure}, as one compact JSON line led by {@code "bench":"input"}. */
  public static String run(Path workDir, int images, int batchSize, int warmupBatches,
      double seconds, int threads) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "input");
    line.putAll(measure(workDir, images, batchSize, warmupBatches, seconds, threads));
    return Json.compact(line);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** ImageNet-like JPEGs: smooth colour fields with texture noise, ~100 KB each at quality 95. */
  static void generate(Path dir, int images) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("train-00000-of-00001");
    Path tmp = dir.resolve(".train-00000-of-00001.tmp");
    SplittableRandom rng = new SplittableRandom(1234);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
      for (int i = 0; i < images; i++) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
        double fx = 2 + rng.nextDouble() * 6;
        double fy = 2 + rng.nextDouble() * 6;
        int base = rng.nextInt(0xffffff);
        for (int y = 0; y < HEIGHT; y++) {
          for (int x = 0; x < WIDTH; x++) {
            double wave = Math.sin(x * fx / WIDTH * Math.PI) * Math.cos(y * fy / HEIGHT * Math.PI);
            int r = clamp(((base >> 16) & 0xff) * 0.6 + 60 * wave + rng.nextInt(40));
            int gr = clamp(((base >> 8) & 0xff) * 0.6 + 60 * wave + rng.nextInt(40));
            int b = clamp((base & 0xff) * 0.6 - 60 * wave + rng.nextInt(40));
            img.setRGB(x, y, (r << 16) | (gr << 8) | b);
          }
        }
        byte[] jpeg = Jpegs.encode(img);
        TfRecords.write(out, Examples.image(jpeg, HEIGHT, WIDTH, 1 + i % 10, null, "bench_" + i));
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** CPU time of the whole process (TensorFlow's native threads included); -1 if unknown. */
  static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, v));
  }
}
