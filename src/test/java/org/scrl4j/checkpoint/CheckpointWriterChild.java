package org.scrl4j.checkpoint;

import java.nio.file.Path;

/**
 * Child JVM for {@link CheckpointKillTest}: saves checkpoints of a deterministic content into
 * args[0] forever (args[1] floats each), announcing each completed save on stdout, until killed.
 */
public final class CheckpointWriterChild {
  private CheckpointWriterChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int floats = Integer.parseInt(args[1]);
    CheckpointStore store = CheckpointStore.create(dir);
    for (int epoch = 1; ; epoch++) {
      CheckpointState s = CheckpointKillTest.state(epoch);
      // Alternate snapshots and rolling saves, new bests every third epoch: every code path runs.
      store.save(s, TestTensors.weights(epoch, floats, epoch * 10L), epoch % 2 == 0, epoch % 3 == 0);
      System.out.println("saved " + epoch);
      System.out.flush();
    }
  }
}
