package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The exit codes and one-line errors a user sees. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printConfigShowsTheOverride() {
    int rc = Main.run(new String[] {"--config", "config/scrl_200ep.yaml", "--train/enabled=False",
        "--print-config"});
    assertEquals(0, rc);
    String yaml = out.toString(StandardCharsets.UTF_8);
    int train = yaml.indexOf("\ntrain:\n");
    assertTrue(train > 0, yaml);
    assertTrue(yaml.substring(train).startsWith("\ntrain:\n  enabled: false\n"), yaml);
    assertTrue(yaml.contains("    enabled: true\n"), "scrl stays enabled: " + yaml);
  }

  @Test
  void misspelledKeyExitsTwoNamingTheRightOne() {
    int rc = Main.run(new String[] {"--config", "config/scrl_200ep.yaml", "--train/optim/lrr=1"});
    assertEquals(2, rc);
    assertTrue(stderr().contains("train/optim/lr'"), stderr());
    assertEquals(1, stderr().strip().lines().count(), "one line: " + stderr());
  }

  @Test
  void wrongTypeExitsTwoNamingFieldAndType() {
    int rc = Main.run(new String[] {"--config", "config/scrl_200ep.yaml", "--train/max_epochs=abc"});
    assertEquals(2, rc);
    assertTrue(stderr().contains("train/max_epochs") && stderr().contains("integer"), stderr());
  }

  @Test
  void missingConfigFileExitsTwo() {
    assertEquals(2, Main.run(new String[] {"--config", "config/nope.yaml"}));
    assertTrue(stderr().contains("config/nope.yaml"), stderr());
  }

  @Test
  void unknownCommandExitsTwo() {
    assertEquals(2, Main.run(new String[] {"trian"}));
  }

  @Test
  void helpListsCommands() {
    assertEquals(0, Main.run(new String[] {"--help"}));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("train"));
  }

  /**
   * --dist_timeout_seconds governs the start-up wait of train: a rank whose rank 0 never answers
   * stops after it with exit 2 and one line naming rank 0's address (the command waited
   * silently for the built-in 5 minutes).
   */
  @Test
  void trainWithoutRankZeroStopsAfterTheDistTimeoutNamingTheAddress() {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort(); // closed again: nothing listens there
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    long start = System.nanoTime();
    int rc = Main.run(new String[] {"--config", "config/demo_fashion_mnist.yaml", "--num_machines", "2",
        "--machine_rank", "1", "--dist_url", "tcp://127.0.0.1:" + port, "--dist_timeout_seconds", "2"});
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(2, rc, stderr());
    assertTrue(stderr().contains("could not reach rank 0 at 127.0.0.1:" + port + " within 2 s"), stderr());
    assertEquals(1, stderr().strip().lines().filter(l -> l.startsWith("scrl:")).count(), stderr());
    assertTrue(seconds < 60, "took " + seconds + " s"); // ends: far below the default 300 s
  }
}
