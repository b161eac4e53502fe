package org.scrl4j.dist;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Watches that every other rank's TensorFlow server still accepts connections. A collective whose
 * peer process died does not fail on its own: gRPC keeps retrying until the op's timeout. The kernel
 * answers a TCP connect for a live process even while its JVM is paused, so a refused or timed-out
 * connect several times in a row means the process or its machine is gone; the monitor then reports
 * the lost ranks once. A peer that is alive but stuck is left to the collective timeout.
 */
final class PeerMonitor implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(PeerMonitor.class);

  private final List<String> addresses;
  private final int self;
  private final long intervalMillis;
  private final int failuresToLose;
  private final long startGraceMillis;
  private final Consumer<List<Integer>> onLost;
  private final Thread thread;
  private volatile boolean running = true;

  PeerMonitor(List<String> addresses, int self, long intervalMillis, int failuresToLose,
      long startGraceMillis, Consumer<List<Integer>> onLost) {
    this.startGraceMillis = startGraceMillis;
    this.addresses = addresses;
    this.self = self;
    this.intervalMillis = intervalMillis;
    this.failuresToLose = failuresToLose;
    this.onLost = onLost;
    this.thread = new Thread(this::watch, "scrl4j-peer-monitor");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void watch() {
    int[] failures = new int[addresses.size()];
    // A peer may still be loading TensorFlow when this one is ready: it only counts as lost after
    // it has answered once, or when it never answers within the start-up grace period.
    boolean[] seen = new boolean[addresses.size()];
    long graceEnd = System.nanoTime() + startGraceMillis * 1_000_000;
    while (running) {
      List<Integer> lost = new ArrayList<>();
      boolean graceOver = System.nanoTime() > graceEnd;
      for (int r = 0; r < addresses.size() && running; r++) {
        if (r == self) {
          continue;
        }
        boolean up = reachable(addresses.get(r), (int) intervalMillis);
        seen[r] |= up;
        failures[r] = up ? 0 : failures[r] + 1;
        if (failures[r] >= failuresToLose && (seen[r] || graceOver)) {
          lost.add(r);
        }
      }
      if (!lost.isEmpty() && running) {
        running = false;
        onLost.accept(lost);
        return;
      }
      try {
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Ranks (other than this one) whose server refuses a connection right now. */
  static List<Integer> unreachable(List<String> addresses, int self, int timeoutMillis) {
    List<Integer> lost = new ArrayList<>();
    for (int r = 0; r < addresses.size(); r++) {
      if (r != self && !reachable(addresses.get(r), timeoutMillis)) {
        lost.add(r);
      }
    }
    return lost;
  }

  static boolean reachable(String hostPort, int timeoutMillis) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), Math.max(100, timeoutMillis));
      return true;
    } catch (IOException e) {
      LOG.debug("probe of {} failed: {}", hostPort, e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
