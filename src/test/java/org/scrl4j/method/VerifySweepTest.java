package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.scrl4j.Python;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.optim.LarsGrouping;

/**
 * The small set of {@code tools/verify_sweep.py}: unseen seeded cases made by the shared torch
 * reference (make_case.py, golden.py in float64 and three float32 runs), our step run on each in
 * this JVM with the launcher's kernels (oneDNN: pom.xml sets TF_ENABLE_ONEDNN_OPTS=1 for the
 * suite), and every key judged by the script: within 2x torch float32's largest distance to
 * float64 (floors 1e-5, 1e-6 for the heads' first bias gradients). The cases are generated under
 * target/ (reused by later runs), so the yardstick is computed by torch, not committed.
 */
class VerifySweepTest {
  private static final Path SCRIPT = Path.of("tools", "verify_sweep.py");
  private static final Path REFERENCE = Path.of("..", "shared", "reference");
  private static final Path OUT = Path.of("target", "verify-sweep-small");

  @Test
  void smallSetWithinTwiceTorchFloat32() throws Exception {
    Python.assumeModules("torch", "torchvision", "numpy");
    assertTrue(Files.isRegularFile(REFERENCE.resolve("golden.py")), "no shared reference at " + REFERENCE.toAbsolutePath());
    List<String> common = List.of("--set", "small", "--out", OUT.toString(), "--reference", REFERENCE.toString());
    List<String> gen = new ArrayList<>(common);
    gen.add("--generate-only");
    Python.Result made = Python.runFile(SCRIPT, gen, 1800);
    assertEquals(0, made.exit(), "case generation failed:\n" + made.output());

    List<Path> cases;
    try (Stream<Path> s = Files.list(OUT)) {
      cases = s.filter(d -> Files.isRegularFile(d.resolve("spec.json"))).sorted().toList();
    }
    assertEquals(6, cases.size(), "cases in " + OUT);
    for (Path d : cases) {
      JsonObject spec = JsonParser.parseString(Files.readString(d.resolve("spec.json"))).getAsJsonObject();
      Map<String, NpyArray> c = Npz.read(d.resolve("case.npz"));
      StepVerifier.Options o = new StepVerifier.Options(StepVerifier.autoMethod(c),
          LarsGrouping.parse(spec.get("quirks").getAsString()), 0.45, 1e-6, 0.97);
      Npz.write(d.resolve("ours.npz"), StepVerifier.run(c, o));
    }

    List<String> judge = new ArrayList<>(common);
    judge.add("--judge-only");
    Python.Result judged = Python.runFile(SCRIPT, judge, 600);
    assertTrue(judged.output().contains("6 passed, 0 failed"), "sweep verdict:\n" + judged.output());
    assertEquals(0, judged.exit(), judged.output());
  }
}
