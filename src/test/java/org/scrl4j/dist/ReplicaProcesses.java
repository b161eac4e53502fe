package org.scrl4j.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@link DistWorkerMain} replicas as separate JVMs on 127.0.0.1 and always cleans them up. */
final class ReplicaProcesses implements AutoCloseable {
  final List<Process> processes = new ArrayList<>();
  final Path dir;
  final int port;

  ReplicaProcesses(Path dir) {
    this.dir = dir;
    this.port = DistSettings.freePortRun(4);
  }

  /** Starts rank {@code rank} of {@code world}; its stdout/stderr go to dir/out{rank}.log. */
  Process start(String mode, int rank, int world, int steps, long sleepMillis) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlog4j2.level=warn",
        "-cp", System.getProperty("java.class.path"), DistWorkerMain.class.getName(), mode,
        Integer.toString(rank), Integer.toString(world), Integer.toString(port), Integer.toString(steps),
        weights(rank).toString(), Long.toString(sleepMillis));
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log(rank).toFile());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  Path weights(int rank) {
    return dir.resolve("weights" + rank + ".txt");
  }

  Path log(int rank) {
    return dir.resolve("out" + rank + ".log");
  }

  String logText(int rank) throws IOException {
    return Files.exists(log(rank)) ? Files.readString(log(rank)) : "";
  }

  /** Waits (bounded) for a process to end and returns its exit code; fails when it does not end. */
  static int await(Process p, long seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("replica did not exit within " + seconds + " s");
    }
    return p.exitValue();
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }
}
