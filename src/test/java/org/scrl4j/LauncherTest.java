package org.scrl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/scrl passes the command's messages and exit code through: a copy of the launcher in a
 * scratch checkout whose jar is up to date runs a stand-in {@code java} that prints what the real
 * one would (TensorFlow's unconditional start-up notice, an error line, a log line) and exits 2.
 * The user must see the error and the log line, not the start-up notice, and get exit code 2. (A
 * "2>/dev/null" on the launcher's lock-release line once sent every message of every command to
 * /dev/null.)
 */
class LauncherTest {

  @Test
  void errorsAndExitCodeReachTheUserAndStartUpNoiseDoesNot(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("checkout");
    Files.createDirectories(root.resolve("tools"));
    Files.createDirectories(root.resolve("src/main"));
    Files.createDirectories(root.resolve("target"));
    Files.copy(Path.of("tools", "scrl"), root.resolve("tools/scrl"));
    Files.writeString(root.resolve("pom.xml"), "<project/>");
    Files.writeString(root.resolve("target/scrl4j.jar"), "stand-in");
    FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    Files.setLastModifiedTime(root.resolve("pom.xml"), old);
    Files.setLastModifiedTime(root.resolve("src/main"), old);
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, String.join("\n",
        "#!/usr/bin/env bash",
        "echo 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR' >&2",
        "echo \"scrl: error: config key 'train/optim/lrr' is unknown (args: $*)\" >&2",
        "echo 'INFO epoch 1/2' >&2",
        "echo 'stdout line'",
        "exit 2", ""));
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

    ProcessBuilder pb = new ProcessBuilder(root.resolve("tools/scrl").toString(), "--config", "x.yaml");
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    pb.redirectError(dir.resolve("err.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
    // the stderr filter is a process substitution: give it a moment to drain after the exit
    Thread.sleep(500);
    String err = Files.readString(dir.resolve("err.txt"));
    String out = Files.readString(dir.resolve("out.txt"));
    assertEquals(2, p.exitValue(), err);
    assertTrue(err.contains("scrl: error: config key 'train/optim/lrr' is unknown"), "stderr was: " + err);
    assertTrue(err.contains("-jar " + root.resolve("target/scrl4j.jar") + " --config x.yaml"), err);
    assertTrue(err.contains("INFO epoch 1/2"), err);
    assertFalse(err.contains("absl::InitializeLog"), err);
    assertEquals("stdout line\n", out);
  }
}
