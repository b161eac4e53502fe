package org.scrl4j.export;

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
final class Python {
  static final String EXE = "/usr/bin/python3";

  private Python() {}

  /** Skips the calling test unless python3 can import every module. */
  static void assumeModules(String... modules) throws Exception {
    boolean exe = Files.isExecutable(Path.of(EXE));
    assumeTrue(exe, "skipped: " + EXE + " not found (the Python read-back check needs it)");
    Result r = run("import " + String.join(", ", modules));
    assumeTrue(r.exit == 0, "skipped: " + EXE + " cannot import " + String.join(", ", modules)
        + " (apt-get install python3-numpy python3-torch python3-torchvision): " + r.output.strip());
  }

  record Result(int exit, String output) {}

  static Result run(String script, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(EXE, "-c", script));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("python timed out");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** Runs the script and fails the test (showing its output) unless it exits 0. */
  static String check(String script, String... args) throws Exception {
    Result r = run(script, args);
    assertEquals(0, r.exit, "python failed:\n" + r.output);
    return r.output;
  }
}
