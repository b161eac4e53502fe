package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replica that is alive but frozen is caught by the collective timeout, not by the peer monitor. */
class FrozenReplicaTest {
  @TempDir Path dir;

  @Test
  void aFrozenReplicaMakesTheOtherFailAtTheCollectiveTimeout() throws Exception {
    try (ReplicaProcesses procs = new ReplicaProcesses(dir)) {
      Process p0 = procs.start("train", 0, 2, 100_000, 50);
      Process p1 = procs.start("train", 1, 2, 100_000, 50);
      for (int i = 0; i < 400 && !procs.logText(1).contains("STEP 3"); i++) {
        Thread.sleep(100);
      }
      assertTrue(procs.logText(1).contains("STEP 3"), "replicas never started training:\n" + procs.logText(0));
      // SIGSTOP: the process stays, its kernel still accepts connections, but it never computes.
      new ProcessBuilder("kill", "-STOP", Long.toString(p1.pid())).start().waitFor();
      // DistWorkerMain's collective timeout is 20 s.
      int rc = ReplicaProcesses.await(p0, 45);
      String log = procs.logText(0);
      assertEquals(ReplicaLostError.EXIT_CODE, rc, log);
      assertTrue(log.contains("a collective did not complete within 20 s"), log);
    }
  }
}
