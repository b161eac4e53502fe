package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.model.BatchMoments;
import org.scrl4j.model.Float64Reduction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The gradients of a whole BYOL step (ResNet-18 width 8 with synchronised BN in 4-D and 2-D, the
 * cross-replica loss normalisation and the gradient mean) from two replica processes, against one
 * process on the global batch whose BN sums are taken per replica's rows and then added: the same
 * mathematics and the same order of the batch-norm sums, so the ReLUs that sit within rounding of
 * 0 switch alike and the gradients must agree to float32 rounding (1e-4 of each tensor's norm;
 * measured ~1e-5). A backward pass without the cross-replica sum misses by 0.5 (conv1.weight).
 */
class SyncBnStepGradientTest {
  @TempDir Path dir;

  @Test
  void twoReplicasGiveTheGradientsOfTheGlobalBatch() throws Exception {
    int world = 2;
    int port = DistSettings.freePortRun(world + 1);
    List<Process> procs = new ArrayList<>();
    try {
      for (int r = 0; r < world; r++) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"), SyncBnStepWorker.class.getName(),
            Integer.toString(r), Integer.toString(world), Integer.toString(port),
            dir.resolve("grads" + r + ".txt").toString());
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("out" + r + ".log").toFile());
        procs.add(pb.start());
      }
      for (int r = 0; r < world; r++) {
        Process p = procs.get(r);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "replica " + r + " did not finish");
        int rank = r;
        assertEquals(0, p.exitValue(), () -> log(rank));
      }
    } finally {
      procs.forEach(Process::destroyForcibly);
    }
    Map<String, float[]> rank0 = read(dir.resolve("grads0.txt"));
    Map<String, float[]> rank1 = read(dir.resolve("grads1.txt"));

    Map<String, float[]> reference;
    try (DistContext single = DistContext.single(); Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      reference = SyncBnStepWorker.gradients(single, g, tf, SyncBnStepWorker.views(tf, 0, 1),
          summedOverReplicas(world), x -> x, (t, x) -> x);
    }
    assertEquals(reference.keySet(), rank0.keySet());
    for (String k : reference.keySet()) {
      assertTrue(java.util.Arrays.equals(rank0.get(k), rank1.get(k)), "replicas differ in " + k);
      float[] x = rank0.get(k);
      float[] y = reference.get(k);
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < y.length; i++) {
        diff += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
        norm += (double) y[i] * y[i];
      }
      diff = Math.sqrt(diff);
      norm = Math.sqrt(norm);
      // Biases right before a BN have an exact gradient of 0 (~1e-7 of rounding): absolute floor.
      double d = diff;
      double n = norm;
      assertTrue(diff <= 1e-4 * norm + 1e-6, () -> String.format(
          "gradient of %s: two replicas vs one process differ by %.3g of its norm %.3g", k, d / n, n));
    }
  }

  /**
   * Batch-norm reductions of one process computed as {@code world} replicas would: per-channel
   * sums over each replica's rows (rows {@link SyncBnStepWorker#rowsOf}), each accumulated as
   * {@link BatchMoments#crossReplica} accumulates a replica's local sums, then added.
   */
  static BatchMoments summedOverReplicas(int world) {
    return new BatchMoments() {
      @Override
      public Moments compute(Ops tf, Operand<TFloat32> x) {
        Operand<TFloat32> values = tf.stopGradient(x);
        Operand<TFloat32> n = BatchMoments.valuesPerChannel(tf, values);
        org.scrl4j.model.ChannelsLast layout = org.scrl4j.model.ChannelsLast.of(x);
        Operand<TFloat32> mean = tf.math.div(summed(tf, values, layout), n);
        Operand<TFloat32> centred = tf.math.sub(values, mean);
        return new Moments(mean, tf.math.div(summed(tf, tf.math.square(centred), layout), n), n, centred);
      }

      @Override
      public Sums sums(Ops tf, List<Operand<TFloat32>> xs, org.scrl4j.model.ChannelsLast layout) {
        List<Operand<TFloat32>> out = new ArrayList<>();
        xs.forEach(x -> out.add(summed(tf, x, layout)));
        // this one process holds the whole global batch
        return new Sums(out, out, tf.math.div(tf.dtypes.cast(tf.size(xs.get(0)), TFloat32.class), tf.constant((float) layout.channels())));
      }

      // no shape reads: this also runs inside batch norm's gradient function
      private Operand<TFloat32> summed(Ops tf, Operand<TFloat32> x, org.scrl4j.model.ChannelsLast layout) {
        Operand<TFloat32> sum = null;
        for (int r = 0; r < world; r++) {
          Operand<TFloat32> mine = Float64Reduction.sum(tf,
              tf.gather(x, tf.constant(SyncBnStepWorker.rowsOf(r, world)), tf.constant(0)), layout);
          sum = sum == null ? mine : tf.math.add(sum, mine);
        }
        return sum;
      }
    };
  }

  private static Map<String, float[]> read(Path f) throws java.io.IOException {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(f)) {
      int sp = line.indexOf(' ');
      String[] hex = line.substring(sp + 1).split(",");
      float[] v = new float[hex.length];
      for (int i = 0; i < hex.length; i++) {
        v[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(hex[i], 16));
      }
      out.put(line.substring(0, sp), v);
    }
    return out;
  }

  private String log(int rank) {
    try {
      Path f = dir.resolve("out" + rank + ".log");
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
