package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointStore;

/**
 * The whole program on a tiny run (issue 5, "Done when"): an uninterrupted run trains, checkpoints
 * and reports its linear accuracy; a run SIGKILLed mid-epoch (mid-step or mid-save) and resumed
 * ends with a bit-identical {@code weights.npz}; evaluating the saved checkpoint alone reproduces
 * the reported accuracy; divergence and a mismatched architecture stop with their exit codes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndResumeTest {
  @TempDir static Path tmp;
  private Path config;
  private Path reference;
  private TinyRun.Exit referenceExit;

  @BeforeAll
  void uninterruptedRun() throws Exception {
    Path data = TinyRun.dataset(tmp.resolve("data"));
    config = TinyRun.config(tmp.resolve("tiny.yaml"), data);
    reference = tmp.resolve("reference");
    referenceExit = TinyRun.main("--config", config.toString(), "--save_dir", reference.toString());
  }

  private static byte[] finalWeights(Path run) throws Exception {
    return Files.readAllBytes(run.resolve("checkpoint_2").resolve(Checkpoint.WEIGHTS));
  }

  @Test
  void uninterruptedRunCheckpointsEveryEpochAndReportsBothResults() throws Exception {
    assertEquals(0, referenceExit.code(), referenceExit.stderr());
    assertTrue(Files.isDirectory(reference.resolve("checkpoint_1")));
    assertEquals("checkpoint_2", Files.readSymbolicLink(reference.resolve(CheckpointStore.LAST)).toString());
    Checkpoint last = CheckpointStore.findLatest(reference).orElseThrow();
    assertEquals(2, last.state().epoch());
    assertEquals(8, last.state().globalStep()); // 36 images / batch 8 = 4 steps per epoch
    List<String> results = TinyRun.results(reference);
    assertEquals(2, results.size(), results.toString());
    assertTrue(results.get(0).startsWith("[pre-training] epochs 2"), results.get(0));
    assertTrue(results.get(1).startsWith("[linear evaluation] cached features, 2 epochs: top-1 last"),
        results.get(1));
  }

  /**
   * Same seed, killed and resumed: the final weights must equal the uninterrupted run's byte for
   * byte. TF's CPU kernels used here reduce in a fixed order for a given thread count, the input
   * pipeline's augmentations are stateless and seeded per element, and .npz entries carry a fixed
   * time, so no tolerance is needed (a mismatch means resume lost or repeated some state).
   */
  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void killedMidStepAndMidSaveThenResumedEndsBitIdentical() throws Exception {
    Path run = tmp.resolve("killed");
    // A mid-epoch rolling save after every step, so kills land inside epochs.
    String[] childArgs = {"--config", config.toString(), "--save_dir", run.toString(),
        "--eval/enabled=False", "--train/checkpoint_minutes=1e-9"};

    // 1. Killed during a step: as soon as the first rolling save is complete.
    Path log1 = tmp.resolve("child1.log");
    killWhen(TinyRun.child(log1, childArgs), log1, () -> newestResumeSave(run) > 0);
    Checkpoint first = CheckpointStore.findLatest(run).orElseThrow();
    assertTrue(first.state().midEpoch(), "not a mid-epoch checkpoint: " + first);

    // 2. Resumed, then killed while it writes a later rolling save (or, if the poll misses every
    // write, after the next one: a second mid-step kill).
    Path log2 = tmp.resolve("child2.log");
    long[] seen = {first.state().globalStep()};
    boolean midWrite = killWhen(TinyRun.child(log2, childArgs), log2, () -> {
      long newest = newestResumeSave(run);
      if (newest > first.state().globalStep() && saveInProgress(run)) {
        return true;
      }
      if (newest > seen[0] + 1) {
        seen[0] = -1; // marks the fallback
        return true;
      }
      return false;
    }) && seen[0] >= 0;
    System.out.println("second kill " + (midWrite ? "hit a checkpoint write" : "came between saves"));
    assertTrue(TinyRun.read(log2).contains("resuming from " + first.dir()), TinyRun.read(log2));
    Checkpoint second = CheckpointStore.findLatest(run).orElseThrow();
    assertTrue(second.state().globalStep() > first.state().globalStep(), first + " then " + second);
    assertFalse(Files.exists(run.resolve("checkpoint_2")), "the kill came too late: " + second);

    // 3. Resumed to the end in this JVM.
    TinyRun.Exit resumed = TinyRun.main("--config", config.toString(), "--save_dir", run.toString(),
        "--eval/enabled=False");
    assertEquals(0, resumed.code(), resumed.stderr());
    try (Stream<Path> left = Files.list(run)) {
      assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(".tmp-")).toList());
    }
    assertArrayEquals(finalWeights(reference), finalWeights(run),
        "resumed from " + first + ", then " + second + ", but ended with other weights");
  }

  /** SIGKILLs the child when {@code due} first holds (polled every 0.1 ms); true if it ever held. */
  private static boolean killWhen(Process child, Path log, java.util.function.BooleanSupplier due)
      throws Exception {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
      while (System.nanoTime() < deadline && child.isAlive()) {
        if (due.getAsBoolean()) {
          return true;
        }
        Thread.sleep(0, 100_000);
      }
      assertTrue(child.isAlive(), () -> "child ended before the kill: " + TinyRun.read(log));
      throw new AssertionError("no kill point within 100 s: " + TinyRun.read(log));
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux
      assertTrue(child.waitFor(20, TimeUnit.SECONDS));
    }
  }

  private static boolean saveInProgress(Path run) {
    return names(run).stream().anyMatch(n -> n.startsWith("checkpoint_resume_") && n.contains(".tmp-"));
  }

  /** The global step of the newest complete rolling save, 0 when there is none. */
  private static long newestResumeSave(Path run) {
    return names(run).stream().filter(n -> n.matches("checkpoint_resume_\\d+"))
        .mapToLong(n -> Long.parseLong(n.substring("checkpoint_resume_".length()))).max().orElse(0);
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    } catch (Exception e) { // not created yet, or an entry renamed while listing
      return List.of();
    }
  }

  @Test
  void evaluationAloneReproducesTheReportedAccuracy() throws Exception {
    assertEquals(0, referenceExit.code(), referenceExit.stderr());
    Path evalDir = tmp.resolve("eval-only");
    TinyRun.Exit e = TinyRun.main("--config", config.toString(), "--train/enabled=False",
        "--load_dir", reference.toString(), "--save_dir", evalDir.toString());
    assertEquals(0, e.code(), e.stderr());
    List<String> reported = TinyRun.results(reference);
    assertEquals(List.of(reported.get(reported.size() - 1)), TinyRun.results(evalDir));
  }

  @Test
  void divergenceStopsNamingTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
    assertEquals(0, referenceExit.code(), referenceExit.stderr());
    Path run = tmp.resolve("diverged");
    Files.createDirectories(run);
    copyDir(reference.resolve("checkpoint_1"), run.resolve("checkpoint_1"));
    Files.createSymbolicLink(run.resolve(CheckpointStore.LAST), Path.of("checkpoint_1"));
    byte[] good = Files.readAllBytes(run.resolve("checkpoint_1/weights.npz"));
    // At lr 1e30 the first update sends the non-adapted biases to infinity; with a rolling save
    // due after every step, those weights must be refused before a checkpoint holds them.
    TinyRun.Exit e = TinyRun.main("--config", config.toString(), "--save_dir", run.toString(),
        "--eval/enabled=False", "--train/optim/lr=1e30", "--train/checkpoint_minutes=1e-9");
    assertEquals(NonFiniteLossError.EXIT_CODE, e.code(), e.stderr());
    String line = e.firstLine();
    assertTrue(line.matches("scrl: error: (loss|weights) became .* at step [56] \\(epoch 2[,)].*"), line);
    assertTrue(line.contains(run.resolve("checkpoint_1").toString()), line);
    assertEquals(1, e.stderr().lines().filter(l -> l.startsWith("scrl:")).count(), e.stderr());
    assertEquals("checkpoint_1", Files.readSymbolicLink(run.resolve(CheckpointStore.LAST)).toString());
    try (Stream<Path> s = Files.list(run)) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("checkpoint_") && !n.equals("checkpoint_1") && !n.equals("checkpoint_last"))
          .toList());
    }
    assertArrayEquals(good, Files.readAllBytes(run.resolve("checkpoint_1/weights.npz")));
  }

  @Test
  void checkpointOfAnotherArchitectureIsRefused() throws Exception {
    assertEquals(0, referenceExit.code(), referenceExit.stderr());
    for (String[] other : List.of(new String[] {"--network/name=resnet34"},
        new String[] {"--network/width=8"})) {
      TinyRun.Exit e = TinyRun.main(Stream.concat(Stream.of("--config", config.toString(),
          "--train/enabled=False", "--load_dir", reference.toString(),
          "--save_dir", tmp.resolve("wrong-arch").toString()), Stream.of(other)).toArray(String[]::new));
      assertEquals(2, e.code(), e.stderr());
      assertTrue(e.firstLine().startsWith("scrl: error: checkpoint " + reference.resolve("checkpoint_2")
          + " was trained as SCRL resnet18 width x4 but this run is SCRL"), e.firstLine());
    }
  }

  private static void copyDir(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }
}
