package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.cli.Main;
import org.scrl4j.dist.ReplicaLostError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * The real trainer ({@code scrl train}) as two processes on 127.0.0.1 (the two-machine form, so the
 * test holds both processes), on a tiny SCRL config over Fashion-MNIST idx files.
 */
class DistributedPretrainingTest {
  private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
  /** What every rank logs at the end of pre-training, before the digest (Pretraining). */
  private static final String FINGERPRINT = "final variables sha256";

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  /**
   * After two synchronous steps both ranks hold bit-identical variables (gradients, BN moments and
   * the initial weights all cross through collectives).
   */
  @Test
  void twoRanksStayBitIdentical() throws Exception {
    Path config = writeConfig(1);
    int port = freePort();
    Path two = dir.resolve("two");
    try {
      Process r0 = launch(config, two.resolve("run"), 0, 2, port, 16, "r0");
      Process r1 = launch(config, two.resolve("run"), 1, 2, port, 16, "r1");
      assertEquals(0, await(r0, 600), () -> log("r0"));
      assertEquals(0, await(r1, 300), () -> log("r1"));
    } finally {
      started.forEach(Process::destroyForcibly);
    }
    Map<String, NpyArray> a = finalVariables(two.resolve("run"), "r0");
    assertEquals(fingerprint("r0"), fingerprint("r1"), "rank 0 and rank 1 differ");
    assertEquals(2L, a.get("global_step").longs()[0]);
    double moved = 0;
    for (String k : a.keySet()) {
      if (a.get(k).dtype() != NpyArray.Dtype.F4) {
        continue;
      }
      float[] x = a.get(k).floats();
      if (k.contains("momentum")) {
        for (float v : x) {
          moved = Math.max(moved, Math.abs(v));
        }
      }
    }
    assertTrue(moved > 0, "the steps changed nothing: momentum buffers are all zero");
  }

  /**
   * Two ranks equal one process trained on the same global batch of 32 (synchronised BN, the
   * regression loss normalised by the job's pair count, gradients averaged): EpochPlan deals
   * positions r, r+2, ... of the epoch's permutation to rank r, so step s of the two ranks reads
   * positions 32s..32s+31, exactly one process's step s at batch 32, and augmentations and SCRL
   * boxes are seeded by (seed, epoch, image index), not by rank. After two SCRL steps:
   * <ul>
   *   <li>weights, BN running statistics and the target: elementwise within 1e-2 relative (floor
   *       1e-3); measured worst 2.3e-3.</li>
   *   <li>LARS momentum buffers (the scaled gradients), per tensor norm-relative: heads within
   *       1e-2 (measured 3.7e-3), backbone within 0.15 (measured 4.1e-2).</li>
   * </ul>
   * Why not float32 reduction-order tolerance (~1e-4): one process and two ranks sum the BN
   * moments in a different order, so the few ReLU inputs that lie within float32 rounding of 0
   * (measured: -1.5e-6 as the sum of +1.78 and -1.78) switch on in one run and off in the other,
   * and each switch moves the gradient of every layer below it. One process with the same BN sums
   * taken as two halves (mathematically identical) differs from plain one process by 3.0e-2 on
   * the backbone momenta (against float64 torch on a ResNet-18, it was the one process that was off,
   * by 2.9e-3 from a single switched ReLU, the two-rank sums within 2e-5); a wrong sync-BN backward (no
   * cross-replica sum) gives 0.65 to 1.9, and per-rank loss means (SCRL replicas holding
   * different box counts) gave 2e-2 on the heads. Pre-BN biases have an exact gradient of 0 (BN
   * removes constants), so their momenta (~1e-9) hold rounding only and are compared in absolute
   * terms.
   */
  @Test
  void twoRanksMatchOneProcessOnTheGlobalBatch() throws Exception {
    Path config = writeConfig(1);
    int port = freePort();
    Path two = dir.resolve("two");
    Path one = dir.resolve("one");
    try {
      Process r0 = launch(config, two.resolve("run"), 0, 2, port, 16, "r0");
      Process r1 = launch(config, two.resolve("run"), 1, 2, port, 16, "r1");
      assertEquals(0, await(r0, 600), () -> log("r0"));
      assertEquals(0, await(r1, 300), () -> log("r1"));
      Process single = launch(config, one.resolve("run"), 0, 1, port, 32, "single");
      assertEquals(0, await(single, 600), () -> log("single"));
    } finally {
      started.forEach(Process::destroyForcibly);
    }
    Map<String, NpyArray> a = finalVariables(two.resolve("run"), "r0");
    Map<String, NpyArray> s = finalVariables(one.resolve("run"), "single");
    assertEquals(fingerprint("r0"), fingerprint("r1"), "rank 0 and rank 1 differ");
    assertEquals(a.keySet(), s.keySet());
    assertEquals(2L, a.get("global_step").longs()[0]);
    double moved = 0;
    for (String k : a.keySet()) {
      if (a.get(k).dtype() != NpyArray.Dtype.F4) {
        assertArrayEquals(a.get(k).longs(), s.get(k).longs(), k);
        continue;
      }
      float[] x = a.get(k).floats();
      float[] y = s.get(k).floats();
      if (k.contains("momentum")) {
        double tol = k.contains("backbone") ? 0.15 : 1e-2;
        double diff = norm(x, y);
        double ref = norm(y, new float[y.length]);
        moved = Math.max(moved, ref);
        assertTrue(diff <= tol * ref + 1e-6, () -> String.format(
            "distributed vs one process: momentum %s differs by %.3g of its norm %.3g (allowed %.3g)",
            k, diff / ref, ref, tol));
      } else {
        for (int i = 0; i < x.length; i++) {
          double rel = Math.abs(x[i] - y[i]) / Math.max(1e-3, Math.abs(y[i]));
          int at = i;
          assertTrue(rel <= 1e-2, () -> String.format(
              "distributed vs one process: %s[%d] = %s vs %s (relative %.3g)", k, at, x[at], y[at], rel));
        }
      }
    }
    assertTrue(moved > 0, "the steps changed nothing: momentum buffers are all zero");
  }

  private static double norm(float[] x, float[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      double d = (double) x[i] - y[i];
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  /**
   * Killing rank 1 mid-run makes rank 0 stop with exit code 3 naming rank 1 (well before the
   * collective timeout, the peer monitor sees the dead server); restarting both resumes from
   * checkpoint_last and finishes with identical replicas.
   */
  @Test
  void lostRankStopsThePeerAndARestartResumes() throws Exception {
    Path config = writeConfig(4);
    Path run = dir.resolve("run");
    try {
      int port = freePort();
      Process r0 = launch(config, run, 0, 2, port, 16, "k0");
      Process r1 = launch(config, run, 1, 2, port, 16, "k1");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
      while (!Files.exists(run.resolve("checkpoint_last")) && System.nanoTime() < deadline
          && r0.isAlive()) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(run.resolve("checkpoint_last")), () -> "no checkpoint\n" + log("k0"));
      r1.destroyForcibly();
      assertEquals(ReplicaLostError.EXIT_CODE, await(r0, 90), () -> log("k0"));
      assertTrue(log("k0").contains("lost rank 1"), () -> log("k0"));
      assertTrue(!log("k0").contains(FINGERPRINT), "rank 0 finished before the kill");

      int port2 = freePort();
      Process s0 = launch(config, run, 0, 2, port2, 16, "s0");
      Process s1 = launch(config, run, 1, 2, port2, 16, "s1");
      assertEquals(0, await(s0, 600), () -> log("s0"));
      assertEquals(0, await(s1, 300), () -> log("s1"));
      assertTrue(log("s0").contains("resuming from"), () -> log("s0"));
      assertTrue(log("s1").contains("resuming with rank 0 at epoch"), () -> log("s1"));
    } finally {
      started.forEach(Process::destroyForcibly);
    }
    Map<String, NpyArray> a = finalVariables(run, "s0");
    assertEquals(8L, a.get("global_step").longs()[0]);
    // rank 1's variables (global step included) are rank 0's, bit for bit
    assertEquals(fingerprint("s0"), fingerprint("s1"), "rank 0 and rank 1 differ");
  }

  /**
   * Rank 0's final variables: its last checkpoint (written at the end of the last epoch), checked
   * against the fingerprint of the variables rank 0 ended with.
   */
  private Map<String, NpyArray> finalVariables(Path saveDir, String rank0Log) throws IOException {
    Map<String, NpyArray> v = CheckpointStore.requireLatest(saveDir).readWeights();
    assertEquals(fingerprint(rank0Log), Npz.sha256(v), "the last checkpoint is not rank 0's final state");
    return v;
  }

  /** The SHA-256 of the final variables a trainer process logged (every rank logs one). */
  private String fingerprint(String name) {
    Matcher m = Pattern.compile(Pattern.quote(FINGERPRINT) + " ([0-9a-f]{64})").matcher(log(name));
    assertTrue(m.find(), () -> name + " logged no fingerprint of its final variables\n" + log(name));
    return m.group(1);
  }

  private Path writeConfig(int epochs) throws IOException {
    Path f = dir.resolve("tiny" + epochs + ".yaml");
    Files.writeString(f, String.join("\n",
        "network:",
        "  name: resnet18",
        "  width: 8",
        "  proj_head: {input_size: 64, hidden_size: 64, output_size: 32}",
        "  scrl: {enabled: true, min_size: 16}",
        "dataset: {root: " + FASHION + ", format: idx, max_images: 128, max_eval_images: 64}",
        "augment: {input_size: 64}",
        "train: {max_epochs: " + epochs + ", max_steps_per_epoch: 2, warmup_epochs: 0,"
            + " online_eval: false, snapshot_interval: 1, num_workers: 2}",
        "eval: {enabled: false}",
        ""));
    return f;
  }

  /** One trainer process: rank {@code rank} of {@code world} machines with one device each. */
  private Process launch(Path config, Path saveDir, int rank, int world, int port,
      int batch, String name) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train",
        "--config", config.toString(), "--save_dir", saveDir.toString(),
        "--train/batch_size_train", Integer.toString(batch), "--dist_timeout_seconds", "60"));
    if (world > 1) {
      cmd.addAll(List.of("--num_machines", Integer.toString(world), "--machine_rank",
          Integer.toString(rank), "--dist_url", "tcp://127.0.0.1:" + port));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private String log(String name) {
    try {
      Path f = dir.resolve(name + ".log");
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static int await(Process p, long seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("trainer did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      int p = s.getLocalPort();
      return p + 4 > 65535 ? p - 8 : p;
    }
  }
}
