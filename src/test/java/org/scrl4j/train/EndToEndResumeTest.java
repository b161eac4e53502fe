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
 * and reports its linear accuracy; a run SIGKILLed at six moments (mid-step, mid-save) and resumed
 * each time ends with a bit-identical {@code weights.npz}; evaluating the saved checkpoint alone reproduces
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
   * Same seed, SIGKILLed at six moments and resumed each time: the final weights must equal an
   * uninterrupted run's byte for byte. The moments come from a logged seed (-Dkill.seed to replay):
   * the odd kills land while a rolling save is being written, the even ones a random 0-300 ms after
   * a save completed, so mid-step, mid-save or between steps. A longer run than the reference above
   * (3 epochs of 9 steps) leaves room for all six. No tolerance: the step computes the same bits
   * every run (DeterministicGraphTest), the augmentations are stateless and seeded per element, and
   * .npz entries carry a fixed time, so a mismatch means resume lost or repeated some state.
   */
  @Test
  @Timeout(value = 420, unit = TimeUnit.SECONDS)
  void killedAtSixRandomMomentsAndResumedEndsBitIdentical() throws Exception {
    String[] longer = {"--config", config.toString(), "--eval/enabled=False",
        "--train/batch_size_train=4", "--train/max_epochs=3"};
    Path uninterrupted = tmp.resolve("uninterrupted");
    TinyRun.Exit ref = TinyRun.main(concat(longer, "--save_dir", uninterrupted.toString()));
    assertEquals(0, ref.code(), ref.stderr());
    byte[] expected = Files.readAllBytes(uninterrupted.resolve("checkpoint_3").resolve(Checkpoint.WEIGHTS));

    Path run = tmp.resolve("killed");
    // A rolling save after every step, so every kill has a save to resume from.
    String[] childArgs = concat(longer, "--save_dir", run.toString(), "--train/checkpoint_minutes=1e-9");
    long seed = Long.getLong("kill.seed", System.nanoTime());
    java.util.Random moments = new java.util.Random(seed);
    List<String> kills = new java.util.ArrayList<>();
    int midWrite = 0;
    for (int k = 0; k < 6; k++) {
      Path log = tmp.resolve("child" + k + ".log");
      long from = newestResumeSave(run);
      boolean duringWrite = k % 2 == 1;
      long delayMs = duringWrite ? 0 : moments.nextInt(301);
      boolean[] sawWrite = {false};
      // During a save: the first save after the resumed one being written, or (should the poll
      // miss every write) two saves later, then a kill between saves.
      killWhen(TinyRun.child(log, childArgs), log, () -> {
        long newest = newestResumeSave(run);
        if (!duringWrite) {
          return newest > from;
        }
        sawWrite[0] = newest > from && saveInProgress(run);
        return sawWrite[0] || newest > from + 2;
      }, delayMs);
      boolean hit = sawWrite[0];
      if (k > 0) {
        assertTrue(TinyRun.read(log).contains("resuming from "), "kill " + k + " did not resume: " + TinyRun.read(log));
      }
      midWrite += hit ? 1 : 0;
      long at = newestResumeSave(run);
      kills.add((hit ? "during a save" : duringWrite ? "between saves" : delayMs + " ms after a save") + " (saved step " + at + ")");
      assertFalse(Files.exists(run.resolve("checkpoint_3")), "kill " + k + " came after the end; kills: " + kills);
    }
    System.out.println("kill seed " + seed + ": " + kills + "; " + midWrite + " of 3 save kills hit a write");
    assertTrue(midWrite >= 1, "no kill landed during a checkpoint write (seed " + seed + "): " + kills);

    TinyRun.Exit resumed = TinyRun.main(childArgs);
    assertEquals(0, resumed.code(), resumed.stderr());
    try (Stream<Path> left = Files.list(run)) {
      assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(".tmp-")).toList());
    }
    assertArrayEquals(expected, Files.readAllBytes(run.resolve("checkpoint_3").resolve(Checkpoint.WEIGHTS)),
        "killed at " + kills + " (seed " + seed + "), resumed each time, but ended with other weights");
  }

  private static String[] concat(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }

  /** SIGKILLs the child {@code delayMs} after {@code due} first holds (polled every 0.1 ms); fails if it ends first. */
  private static void killWhen(Process child, Path log, java.util.function.BooleanSupplier due, long delayMs)
      throws Exception {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
      while (System.nanoTime() < deadline && child.isAlive()) {
        if (due.getAsBoolean()) {
          Thread.sleep(delayMs);
          assertTrue(child.isAlive(), () -> "child ended before the kill: " + TinyRun.read(log));
          return;
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
