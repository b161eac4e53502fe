package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replica that dies mid-run must stop the others with a message naming it, never a hang. */
class ReplicaFailureTest {
  @TempDir Path dir;

  @Test
  void killingOneReplicaStopsTheOtherNamingTheLostRank() throws Exception {
    try (ReplicaProcesses procs = new ReplicaProcesses(dir)) {
      Process p0 = procs.start("train", 0, 2, 100_000, 50);
      Process p1 = procs.start("train", 1, 2, 100_000, 50);
      // Bounded wait until both replicas are stepping together.
      for (int i = 0; i < 400 && !procs.logText(1).contains("STEP 3"); i++) {
        Thread.sleep(100);
      }
      assertTrue(procs.logText(1).contains("STEP 3"), "replicas never started training:\n" + procs.logText(0));
      p1.destroyForcibly();
      // The peer monitor probes every second and gives up after three refusals.
      int rc = ReplicaProcesses.await(p0, 30);
      String log = procs.logText(0);
      assertEquals(ReplicaLostError.EXIT_CODE, rc, log);
      assertTrue(log.contains("rank 0 lost rank 1 (127.0.0.1:" + (procs.port + 2) + ")"), log);
    }
  }
}
