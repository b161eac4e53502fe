package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.scrl4j.checkpoint.CheckpointState;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigLoader;
import org.scrl4j.config.ConfigPrinter;

class ResumeBatchTest {
  private static final Path WHERE = Path.of("runs/x/checkpoint_3");

  private static CheckpointState state(int world, int globalBatch, String config) {
    return new CheckpointState(3, 12, 0, 0, 0, "resnet50", 1, "scrl", 512, world, globalBatch, 0,
        config, "test");
  }

  @Test
  void keepsTheCheckpointsGlobalBatchOnAnyWorldThatDividesIt() {
    CheckpointState twoBy128 = state(2, 256, "{}");
    assertEquals(256, ResumeBatch.perProcess(twoBy128, WHERE, 128, 1), "2 -> 1");
    assertEquals(64, ResumeBatch.perProcess(twoBy128, WHERE, 128, 4), "2 -> 4");
    assertEquals(128, ResumeBatch.perProcess(twoBy128, WHERE, 128, 2), "same world");
    assertEquals(128, ResumeBatch.perProcess(twoBy128, WHERE, 64, 2), "a changed config batch too");
    assertEquals(128, ResumeBatch.perProcess(state(1, 256, "{}"), WHERE, 256, 2), "1 -> 2");
  }

  @Test
  void refusesAWorldThatCannotShareItSayingWhatWorks() {
    UserError e = assertThrows(UserError.class,
        () -> ResumeBatch.perProcess(state(2, 256, "{}"), WHERE, 128, 3));
    String m = e.getMessage();
    assertTrue(m.contains(WHERE + " was trained with a global batch of 256 (128 per process x 2)"), m);
    assertTrue(m.contains("3 process(es) cannot share evenly"), m);
    assertTrue(m.contains("divides 256 (e.g. 2 with --train/batch_size_train=128)"), m);
    assertEquals(2, e.exitCode());
  }

  /** Earlier builds did not record world and global batch: the config they kept says them. */
  @Test
  void readsTheBatchingOfEarlierCheckpointsFromTheirConfig() {
    Config c = ConfigLoader.loadText("num_machines: 2\ndist_url: tcp://10.0.0.1:29500\ntrain: {batch_size_train: 96}\n", "test");
    ResumeBatch.Batching b = ResumeBatch.batching(state(0, 0, ConfigPrinter.toYaml(c)), WHERE);
    assertEquals(new ResumeBatch.Batching(2, 192), b);
    assertEquals(192, ResumeBatch.perProcess(state(0, 0, ConfigPrinter.toYaml(c)), WHERE, 96, 1));
    // Neither recorded nor readable: the config's batch, as before.
    assertNull(ResumeBatch.batching(state(0, 0, "not: [a config"), WHERE));
    assertEquals(96, ResumeBatch.perProcess(state(0, 0, "not: [a config"), WHERE, 96, 1));
  }

  @Test
  void withBatchChangesOnlyThePerProcessBatch() {
    Config c = Config.defaults();
    Config d = ResumeBatch.withBatch(c, 17);
    assertEquals(17, d.train().batchSizeTrain());
    assertEquals(ConfigPrinter.toYaml(c).replace("batch_size_train: 256", "batch_size_train: 17"),
        ConfigPrinter.toYaml(d));
    assertTrue(ResumeBatch.withBatch(c, 256) == c);
  }
}
