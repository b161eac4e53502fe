package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL of a real JVM while it writes a large checkpoint leaves the previous one loadable. */
class CheckpointKillTest {
  private static final int FLOATS = 8 << 20; // 32 MB per checkpoint: long enough to be caught mid-write

  @TempDir Path tmp;

  static CheckpointState state(int epoch) {
    return new CheckpointState(epoch, epoch * 10L, 0, epoch % 3 == 0 ? epoch : 0, epoch / 3 * 3,
        "resnet50", 1, "byol", 100, 1, 32, 1, "seed: 1\n", "test");
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void killedWriterLeavesPreviousCheckpointLoadable() throws Exception {
    Path runDir = tmp.resolve("run");
    Path childErr = tmp.resolve("child-stderr.txt");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), CheckpointWriterChild.class.getName(),
        runDir.toString(), Integer.toString(FLOATS))
        .redirectError(childErr.toFile())
        .start();
    AtomicInteger announced = new AtomicInteger();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("saved ")) {
            announced.set(Integer.parseInt(line.substring(6)));
          }
        }
      } catch (Exception ignored) {
        // the stream closes when the child dies
      }
    });
    reader.start();
    try {
      // Wait for two completed saves, then for the third to be half-way through its weights.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean caughtMidWrite = false;
      while (System.nanoTime() < deadline && child.isAlive()) {
        if (announced.get() >= 2 && partialWeightsBytes(runDir) > 4 << 20) {
          caughtMidWrite = true;
          break;
        }
        Thread.sleep(2);
      }
      assertTrue(child.isAlive(), () -> "child died on its own: " + readQuietly(childErr));
      assertTrue(caughtMidWrite, "no save in progress observed within 60 s");
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(20, TimeUnit.SECONDS));
      reader.join(5000);
    }
    assertTrue(hasTempDir(runDir), "the kill hit a save in progress");

    Checkpoint c = CheckpointStore.findLatest(runDir).orElseThrow();
    int epoch = c.state().epoch();
    assertTrue(epoch >= announced.get(), "epoch " + epoch + " but " + announced.get() + " was announced");
    assertEquals(state(epoch), c.state());
    assertSameContent(epoch, c);
    if (Files.exists(runDir.resolve(CheckpointStore.BEST))) {
      Checkpoint best = Checkpoint.open(runDir.resolve(CheckpointStore.BEST));
      assertEquals(0, best.state().epoch() % 3);
      assertSameContent(best.state().epoch(), best);
    }

    CheckpointStore.create(runDir); // a restart clears the dead writer's leftovers
    assertFalse(hasTempDir(runDir));
  }

  private static void assertSameContent(int epoch, Checkpoint c) throws Exception {
    TestTensors.assertBitIdentical(TestTensors.weights(epoch, FLOATS, epoch * 10L), c.readWeights());
  }

  private static long partialWeightsBytes(Path runDir) {
    try (Stream<Path> s = Files.list(runDir)) {
      return s.filter(p -> p.getFileName().toString().contains(".tmp-"))
          .map(p -> p.resolve(Checkpoint.WEIGHTS).toFile())
          .mapToLong(File::length).max().orElse(0);
    } catch (Exception e) {
      return 0;
    }
  }

  private static boolean hasTempDir(Path runDir) throws Exception {
    try (Stream<Path> s = Files.list(runDir)) {
      return s.anyMatch(p -> p.getFileName().toString().contains(".tmp-"));
    }
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return "(no stderr)";
    }
  }
}
