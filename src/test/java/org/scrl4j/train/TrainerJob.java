package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scrl4j.cli.Main;

/**
 * {@code scrl train} processes of a test, each a child JVM on this test's class path logging to
 * {@code dir/<name>.log}, ranks on 127.0.0.1 (the multi-machine form with one device each); {@link
 * #close} kills whatever is still running.
 */
final class TrainerJob implements AutoCloseable {
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
  /** What every rank logs at the end of pre-training, before the digest (Pretraining). */
  static final String FINGERPRINT = "final variables sha256";

  private final Path dir;
  private final List<Process> started = new ArrayList<>();

  TrainerJob(Path dir) {
    this.dir = dir;
  }

  /**
   * A tiny SCRL config over Fashion-MNIST idx files: ResNet-18 width 8 on 64 px crops, 128 training
   * images, no online evaluation, a snapshot every epoch.
   */
  Path tinyConfig(String name, int epochs, boolean linearEval) throws IOException {
    Path f = dir.resolve(name + ".yaml");
    Files.writeString(f, String.join("\n",
        "network:",
        "  name: resnet18",
        "  width: 8",
        "  proj_head: {input_size: 64, hidden_size: 64, output_size: 32}",
        "  scrl: {enabled: true, min_size: 16}",
        "dataset: {root: " + FASHION + ", format: idx, max_images: 128, max_eval_images: 64}",
        "augment: {input_size: 64}",
        "train: {max_epochs: " + epochs + ", warmup_epochs: 0, online_eval: false,"
            + " snapshot_interval: 1, num_workers: 2}",
        "eval: {enabled: " + linearEval + ", max_epochs: 2, warmup_epochs: 0, valid_interval: 1,"
            + " batch_size_train: 32, batch_size_eval: 32, cached_features: true, num_workers: 2}",
        ""));
    return f;
  }

  /**
   * Starts rank {@code rank} of {@code world} (one process, no dist flags, when world is 1) with
   * {@code --config config} and the extra flags.
   */
  Process launch(String name, int rank, int world, int port, Path config, String... flags)
      throws IOException {
    List<String> all = new ArrayList<>(List.of(flags));
    if (world > 1) {
      all.addAll(List.of("--num_machines", Integer.toString(world), "--machine_rank",
          Integer.toString(rank), "--dist_url", "tcp://127.0.0.1:" + port));
    }
    return launchWith(name, List.of(), config, all.toArray(new String[0]));
  }

  /**
   * {@code prefix java ... train --config config flags}: the flags carry any dist flags, the prefix
   * may run the JVM elsewhere (e.g. {@code ip netns exec NS}).
   */
  Process launchWith(String name, List<String> prefix, Path config, String... flags) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(java, "-Xmx1g", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train",
        "--config", config.toString(), "--dist_timeout_seconds", "60"));
    cmd.addAll(List.of(flags));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    Process p = pb.start();
    started.add(p);
    return p;
  }

  String log(String name) {
    try {
      Path f = dir.resolve(name + ".log");
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** The SHA-256 of the final variables a trainer process logged (every rank logs one). */
  String fingerprint(String name) {
    Matcher m = Pattern.compile(Pattern.quote(FINGERPRINT) + " ([0-9a-f]{64})").matcher(log(name));
    assertTrue(m.find(), () -> name + " logged no fingerprint of its final variables\n" + log(name));
    return m.group(1);
  }

  static int await(Process p, long seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("trainer did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }

  /** A port with the next few free too (rendezvous + one gRPC server per rank). */
  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      int p = s.getLocalPort();
      return p + 4 > 65535 ? p - 8 : p;
    }
  }

  @Override
  public void close() {
    started.forEach(Process::destroyForcibly);
    for (Process p : started) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
