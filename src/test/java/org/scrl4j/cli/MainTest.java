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
}
