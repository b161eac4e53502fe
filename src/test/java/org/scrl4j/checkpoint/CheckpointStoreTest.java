package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;

class CheckpointStoreTest {
  @TempDir Path tmp;

  static CheckpointState state(int epoch, long step, double best, int bestEpoch) {
    return new CheckpointState(epoch, step, 0, best, bestEpoch, "resnet50", 1, "scrl", 1000, 1, 256, 7,
        "train:\n  optim: {lr: 0.45}\nnote: \"quoted\" \\ tab\there ünïcode\n", "test");
  }

  private static Checkpoint save(CheckpointStore store, CheckpointState s, boolean snapshot, boolean best)
      throws IOException {
    return store.save(s, TestTensors.weights(s.globalStep(), 64, s.globalStep()), snapshot, best);
  }

  private String link(String name) throws IOException {
    return Files.readSymbolicLink(tmp.resolve(name)).toString();
  }

  @Test
  void roundTripIsBitIdentical() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    CheckpointState s = state(3, 300, 12.5, 3);
    Map<String, NpyArray> written = TestTensors.weights(11, 4096, 300);
    store.save(s, written, true, true);

    Checkpoint c = CheckpointStore.findLatest(tmp).orElseThrow();
    assertEquals(tmp.resolve("checkpoint_3"), c.dir());
    assertEquals(s, c.state());
    assertEquals("checkpoint_3", link(CheckpointStore.LAST));
    assertEquals("checkpoint_3", link(CheckpointStore.BEST));
    TestTensors.assertBitIdentical(written, c.readWeights());
  }

  @Test
  void crashMidWriteResumesFromPreviousCompleteCheckpoint() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    save(store, state(1, 100, 0, 0), true, false);
    // What a kill leaves behind: a half-written temp dir of a dead writer, a final-named directory
    // without state.json, and checkpoint_last swung to a directory that never got its name.
    Path partial = Files.createDirectory(tmp.resolve("checkpoint_2.tmp-99999999"));
    Files.write(partial.resolve("weights.npz"), new byte[1000]);
    Path noState = Files.createDirectory(tmp.resolve("checkpoint_resume_150"));
    Files.write(noState.resolve("weights.npz"), new byte[10]);
    Files.delete(tmp.resolve(CheckpointStore.LAST));
    Files.createSymbolicLink(tmp.resolve(CheckpointStore.LAST), Path.of("checkpoint_2"));

    Checkpoint c = CheckpointStore.findLatest(tmp).orElseThrow();
    assertEquals(tmp.resolve("checkpoint_1"), c.dir());
    assertEquals(100, c.state().globalStep());
    TestTensors.assertBitIdentical(TestTensors.weights(100, 64, 100), c.readWeights());

    CheckpointStore reopened = CheckpointStore.create(tmp);
    assertFalse(Files.exists(partial), "stale temp dir of a dead process is removed on start");
    save(reopened, state(2, 200, 0, 0), true, false);
    assertEquals("checkpoint_2", link(CheckpointStore.LAST));
    assertEquals(200, CheckpointStore.findLatest(tmp).orElseThrow().state().globalStep());
  }

  @Test
  void newestCompleteWinsWhenLinkLags() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    save(store, state(1, 100, 0, 0), true, false);
    save(store, state(2, 200, 0, 0), true, false);
    // Killed after the rename, before the link swing: the link still names epoch 1.
    Files.delete(tmp.resolve(CheckpointStore.LAST));
    Files.createSymbolicLink(tmp.resolve(CheckpointStore.LAST), Path.of("checkpoint_1"));
    assertEquals(2, CheckpointStore.findLatest(tmp).orElseThrow().state().epoch());
  }

  @Test
  void truncatedWeightsMakeACheckpointIncomplete() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    save(store, state(1, 100, 0, 0), true, false);
    save(store, state(2, 200, 0, 0), true, false);
    Path w = tmp.resolve("checkpoint_2/weights.npz");
    byte[] all = Files.readAllBytes(w);
    Files.write(w, java.util.Arrays.copyOf(all, all.length / 2));
    assertEquals(1, CheckpointStore.findLatest(tmp).orElseThrow().state().epoch());
    UserError e = assertThrows(UserError.class, () -> Checkpoint.open(tmp.resolve("checkpoint_2")));
    assertTrue(e.getMessage().contains("checkpoint_2"), e.getMessage());
  }

  @Test
  void rollingSavesArePrunedUnlessLinked() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    save(store, state(1, 10, 5, 1), true, true);
    save(store, state(2, 20, 5, 1), false, false);
    save(store, state(3, 30, 5, 1), false, false);
    assertFalse(Files.exists(tmp.resolve("checkpoint_resume_20")));
    assertEquals("checkpoint_resume_30", link(CheckpointStore.LAST));
    assertEquals("checkpoint_1", link(CheckpointStore.BEST));

    save(store, state(4, 40, 9, 4), false, true);
    save(store, state(5, 50, 9, 4), true, false);
    assertFalse(Files.exists(tmp.resolve("checkpoint_resume_30")));
    assertTrue(Files.isDirectory(tmp.resolve("checkpoint_resume_40")), "best keeps its rolling save");
    assertTrue(Files.isDirectory(tmp.resolve("checkpoint_1")), "snapshots are kept");
    assertEquals("checkpoint_5", link(CheckpointStore.LAST));
    assertEquals(4, Checkpoint.open(tmp.resolve(CheckpointStore.BEST)).state().epoch());

    save(store, state(6, 60, 9, 4), false, false);
    save(store, state(7, 70, 9, 4), false, false);
    assertTrue(Files.isDirectory(tmp.resolve("checkpoint_resume_40")));
    assertFalse(Files.exists(tmp.resolve("checkpoint_resume_60")));
  }

  @Test
  void savingAnEpochAgainReplacesIt() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    save(store, state(1, 100, 0, 0), true, false);
    save(store, state(1, 101, 0, 0), true, false);
    assertEquals(101, CheckpointStore.findLatest(tmp).orElseThrow().state().globalStep());
    try (var entries = Files.list(tmp)) {
      assertEquals(2, entries.count(), "only checkpoint_1 and checkpoint_last remain");
    }
  }

  @Test
  void midEpochStateRoundTrips() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    CheckpointState s = new CheckpointState(4, 457, 1792, 33.25, 3, "resnet101", 2, "byol", 1281167,
        2, 512, -5, "{}", "0.1.0");
    store.save(s, TestTensors.weights(1, 8, 457), false, false);
    Checkpoint c = CheckpointStore.findLatest(tmp).orElseThrow();
    assertEquals(s, c.state());
    assertTrue(c.state().midEpoch());
    assertEquals(tmp.resolve("checkpoint_resume_457"), c.dir());
  }

  @Test
  void globalStepVariableMustMatchState() throws IOException {
    CheckpointStore store = CheckpointStore.create(tmp);
    Map<String, NpyArray> w = TestTensors.weights(1, 8, 99);
    assertThrows(IllegalArgumentException.class, () -> store.save(state(1, 100, 0, 0), w, true, false));
  }

  @Test
  void architectureMismatchNamesBothSides() {
    CheckpointState s = state(1, 100, 0, 0);
    s.requireCompatible("ResNet50", 1, "SCRL", tmp); // case does not matter
    UserError e = assertThrows(UserError.class, () -> s.requireCompatible("resnet101", 1, "scrl", tmp));
    assertTrue(e.getMessage().contains("resnet50") && e.getMessage().contains("resnet101"), e.getMessage());
    UserError m = assertThrows(UserError.class, () -> s.requireCompatible("resnet50", 1, "byol", tmp));
    assertTrue(m.getMessage().contains("SCRL") && m.getMessage().contains("BYOL"), m.getMessage());
    UserError w = assertThrows(UserError.class, () -> s.requireCompatible("resnet50", 2, "scrl", tmp));
    assertTrue(w.getMessage().contains("width x2"), w.getMessage());
  }

  @Test
  void loadDirWithoutCheckpointsIsAUserError() throws IOException {
    assertEquals(Optional.empty(), CheckpointStore.findLatest(tmp));
    UserError e = assertThrows(UserError.class, () -> CheckpointStore.requireLatest(tmp));
    assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    assertThrows(UserError.class, () -> CheckpointStore.requireLatest(tmp.resolve("nope")));
  }

  @Test
  void unwritableSaveDirFailsAtStart() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    UserError e = assertThrows(UserError.class, () -> CheckpointStore.create(file.resolve("run")));
    assertTrue(e.getMessage().contains("save_dir") && e.getMessage().contains("a-file"), e.getMessage());
    UserError f = assertThrows(UserError.class, () -> CheckpointStore.create(file));
    assertTrue(f.getMessage().contains("a-file"), f.getMessage());
    // Read-only directories only stop non-root users; as root the probe rightly succeeds.
    Path ro = Files.createDirectory(tmp.resolve("ro"));
    assertTrue(ro.toFile().setWritable(false, false));
    if (!"root".equals(System.getProperty("user.name"))) {
      UserError g = assertThrows(UserError.class, () -> CheckpointStore.create(ro));
      assertTrue(g.getMessage().contains("not writable"), g.getMessage());
    }
    assertTrue(ro.toFile().setWritable(true, false));
  }

  @Test
  void resolveResumeChoosesAndValidates() throws IOException {
    Path save = tmp.resolve("save");
    assertEquals(Optional.empty(), CheckpointStore.resolveResume(save, null, "resnet50", 1, "scrl", 1000, 1));
    UserError none = assertThrows(UserError.class,
        () -> CheckpointStore.resolveResume(save, tmp.resolve("empty"), "resnet50", 1, "scrl", 1000, 1));
    assertTrue(none.getMessage().startsWith("load_dir "), none.getMessage());

    CheckpointStore store = CheckpointStore.create(save);
    save(store, state(2, 20, 0, 0), true, false);
    assertEquals(2, CheckpointStore.resolveResume(save, null, "resnet50", 1, "scrl", 1000, 1).orElseThrow()
        .state().epoch());
    Path other = tmp.resolve("fresh");
    assertEquals(20, CheckpointStore.resolveResume(other, save, "resnet50", 1, "scrl", 999, 1).orElseThrow()
        .state().globalStep(), "an explicit load_dir wins over an empty save_dir");
    UserError mismatch = assertThrows(UserError.class,
        () -> CheckpointStore.resolveResume(save, null, "resnet18", 1, "scrl", 1000, 1));
    assertTrue(mismatch.getMessage().contains("resnet18") && mismatch.getMessage().contains("checkpoint_2"),
        mismatch.getMessage());
  }
}
