package org.scrl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs /usr/bin/python3 scripts from tests; skips (assumption) when python3 or a module is missing. */
public final class Python {
  public static final String EXE = "/usr/bin/python3";

  private Python() {}

  /** Skips the calling test unless python3 can import every module. */
  public static void assumeModules(String... modules) throws Exception {
    boolean exe = Files.isExecutable(Path.of(EXE));
    assumeTrue(exe, "skipped: " + EXE + " not found (the Python read-back check needs it)");
    Result r = run("import " + String.join(", ", modules));
    assumeTrue(r.exit == 0, "skipped: " + EXE + " cannot import " + String.join(", ", modules)
        + " (apt-get install python3-numpy python3-torch python3-torchvision): " + r.output.strip());
  }

  public record Result(int exit, String output) {}

  public static Result run(String script, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(EXE, "-c", script));
    cmd.addAll(List.of(args));
    return exec(cmd, 120);
  }

  /** Runs a script file with arguments, waiting at most {@code timeoutSeconds}. */
  public static Result runFile(Path script, List<String> args, long timeoutSeconds)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(EXE, script.toString()));
    cmd.addAll(args);
    return exec(cmd, timeoutSeconds);
  }

  private static Result exec(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    // read on another thread so the timeout holds even while the child keeps writing
    java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return p.getInputStream().readAllBytes();
      } catch (IOException e) {
        return new byte[0];
      }
    });
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
    }
    return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8));
  }

  /** Runs the script and fails the test (showing its output) unless it exits 0. */
  public static String check(String script, String... args) throws Exception {
    Result r = run(script, args);
    assertEquals(0, r.exit, "python failed:\n" + r.output);
    return r.output;
  }
}
