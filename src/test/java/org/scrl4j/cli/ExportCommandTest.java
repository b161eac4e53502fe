package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.checkpoint.CheckpointState;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.common.Json;
import org.scrl4j.export.BackboneLayout;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.GoldenCase;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/** The export subcommand end to end on a checkpoint written by the training checkpoint store. */
class ExportCommandTest {
  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  static Run scrl(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /**
   * A run directory with checkpoint_1 and checkpoint_2 (newest, = checkpoint_last): online backbone
   * from {@code golden} (plus 1 in checkpoint_1, so picking the wrong one shows), a target backbone
   * that must not be exported, and global_step.
   */
  static Path writeRun(Path saveDir, Map<String, NpyArray> golden, String arch, int width) throws Exception {
    return writeRun(saveDir, golden, arch, width, "network: {}\n");
  }

  /** As above, the checkpoints keeping {@code configYaml} as their run's config. */
  static Path writeRun(Path saveDir, Map<String, NpyArray> golden, String arch, int width, String configYaml)
      throws Exception {
    CheckpointStore store = CheckpointStore.create(saveDir);
    for (int epoch = 1; epoch <= 2; epoch++) {
      Map<String, NpyArray> w = new LinkedHashMap<>();
      float shift = epoch == 2 ? 0f : 1f;
      for (Map.Entry<String, long[]> e : BackboneLayout.torchShapes(BackboneLayout.infer(golden)).entrySet()) {
        NpyArray torch = golden.get(e.getKey());
        NpyArray tf = torch.rank() == 4 ? BackboneWeights.oihwToHwio(torch) : torch;
        float[] v = tf.floats();
        for (int i = 0; i < v.length; i++) {
          v[i] += shift;
        }
        w.put("online/backbone/" + e.getKey(), NpyArray.of(v, tf.shape()));
        float[] other = new float[v.length];
        w.put("target/backbone/" + e.getKey(), NpyArray.of(other, tf.shape()));
      }
      w.put("global_step", NpyArray.of(new long[] {10L * epoch}));
      CheckpointState state = new CheckpointState(epoch, 10L * epoch, 0, 0, 0, arch, width, "byol", 100, 1, 32, 1,
          configYaml, "test");
      store.save(state, w, true, false);
    }
    return saveDir;
  }

  @Test
  void exportsNewestCheckpointInEveryFormat() throws Exception {
    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path run = writeRun(tmp.resolve("run"), golden, "resnet18", 8);

    Path npz = tmp.resolve("out/r18.npz");
    Run r = scrl("export", "--load_dir", run.toString(), "--format", "torchvision", "--out", npz.toString());
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.contains("np.load") && r.out.contains("load_state_dict(state, strict=False)"), r.out);
    Map<String, NpyArray> back = Npz.read(npz);
    assertEquals(BackboneLayout.torchShapes(BackboneLayout.infer(golden)).keySet(), back.keySet());
    for (String k : back.keySet()) {
      assertArrayEquals(golden.get(k).floats(), back.get(k).floats(), 0f, k);
    }

    Path pkl = tmp.resolve("out/r18.pkl");
    r = scrl("export", "--load_dir", run.toString(), "--format", "detectron2", "--out=" + pkl);
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.contains("DEPTH: 18") && r.out.contains("WEIGHTS: \"" + pkl.toAbsolutePath()), r.out);
    assertTrue(Files.size(pkl) > 4L * golden.get("layer4.1.conv2.weight").size(), "pickle too small");

    Path sm = tmp.resolve("out/sm");
    r = scrl("export", "--load_dir", run.resolve("checkpoint_2").toString(), "--format", "savedmodel",
        "--out", sm.toString(), "--arch", "resnet18");
    assertEquals(0, r.exit, r.err);
    assertTrue(Files.isRegularFile(sm.resolve("saved_model.pb")), r.out);
    // the run's config is the defaults: the original's 256 / 224
    assertTransform(npz.resolveSibling("r18.npz.preprocessing.json"), 256, 224, 32);
    assertTransform(pkl.resolveSibling("r18.pkl.preprocessing.json"), 256, 224, 32);
    assertTransform(sm.resolve("preprocessing.json"), 256, 224, 32);
  }

  /**
   * The printed snippets and preprocessing.json state the evaluation transform of the checkpoint's
   * config: the demo's 32 px with pad 0, and a 64 px run with pad 8 (resize 72).
   */
  @Test
  void exportsStateTheEvalTransformOfTheCheckpointsConfig() throws Exception {
    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path demo = writeRun(tmp.resolve("demo"), golden, "resnet18", 8, EmbedCommandTest.demoConfigYaml());
    Path npz = tmp.resolve("out/demo.npz");
    Run r = scrl("export", "--load_dir", demo.toString(), "--format", "torchvision", "--out", npz.toString());
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.contains("preprocess = T.Compose([T.Resize(32, interpolation=T.InterpolationMode.BICUBIC),"
        + " T.CenterCrop(32), T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])"), r.out);
    Path json = tmp.resolve("out/demo.npz.preprocessing.json");
    assertTrue(r.out.contains("wrote " + json + ": the eval transform the backbone expects, resize shorter side to 32,"
        + " centre crop 32 (from the checkpoint's config)"), r.out);
    assertTransform(json, 32, 32, 0);

    Path run64 = writeRun(tmp.resolve("run64"), golden, "resnet18", 8,
        "augment:\n  input_size: 64\n  center_crop_pad: 8\n");
    Path pkl = tmp.resolve("out/r64.pkl");
    r = scrl("export", "--load_dir", run64.toString(), "--format", "detectron2", "--out", pkl.toString());
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.contains("# pre-training evaluated on RGB with: resize shorter side to 72, centre crop 64"), r.out);
    assertTransform(tmp.resolve("out/r64.pkl.preprocessing.json"), 72, 64, 8);

    Path sm = tmp.resolve("out/sm64");
    r = scrl("export", "--load_dir", run64.toString(), "--format", "savedmodel", "--out", sm.toString());
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.contains("# x: float32 [N,64,64,3], the run's eval transform (preprocessing.json): RGB,"
        + " resize shorter side to 72, centre crop 64 (bicubic), pixels / 255, then (x - [0.485, 0.456, 0.406])"
        + " / [0.229, 0.224, 0.225]"), r.out);
    assertTransform(sm.resolve("preprocessing.json"), 72, 64, 8);
    assertTrue(Files.isRegularFile(sm.resolve("saved_model.pb")), "the SavedModel beside it");
  }

  private static void assertTransform(Path json, long resize, long crop, long pad) throws Exception {
    Map<String, Object> m = Json.readObject(Files.readString(json));
    assertEquals("RGB", m.get("color"), json.toString());
    assertEquals(resize, m.get("resize_shorter_side"), json.toString());
    assertEquals("bicubic", m.get("interpolation"), json.toString());
    assertEquals(crop, m.get("center_crop"), json.toString());
    assertEquals(crop, m.get("input_size"), json.toString());
    assertEquals(pad, m.get("center_crop_pad"), json.toString());
    assertEquals(java.util.List.of(0.485, 0.456, 0.406), m.get("mean"), json.toString());
    assertEquals(java.util.List.of(0.229, 0.224, 0.225), m.get("std"), json.toString());
    assertEquals("pixel / 255", m.get("scale"), json.toString());
    assertTrue(((String) m.get("torchvision")).contains("T.Resize(" + resize + ", interpolation=T.InterpolationMode"
        + ".BICUBIC), T.CenterCrop(" + crop + ")"), m.toString());
  }

  @Test
  void clearErrorsForBadInput() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Path out = tmp.resolve("x.npz");
    Run r = scrl("export", "--load_dir", empty.toString(), "--format", "torchvision", "--out", out.toString());
    assertEquals(2, r.exit);
    assertTrue(r.err.contains("holds no complete checkpoint"), r.err);

    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path run = writeRun(tmp.resolve("run"), golden, "resnet18", 8);
    r = scrl("export", "--load_dir", run.toString(), "--format", "torchvision", "--out", out.toString(),
        "--arch", "resnet50");
    assertEquals(2, r.exit);
    assertTrue(r.err.contains("holds a resnet18") && r.err.contains("resnet50"), r.err);

    // state.json claims another architecture than the stored weights
    Path lying = writeRun(tmp.resolve("lying"), golden, "resnet50", 8);
    r = scrl("export", "--load_dir", lying.toString(), "--format", "torchvision", "--out", out.toString());
    assertEquals(2, r.exit);
    assertTrue(r.err.contains("state.json says resnet50") && r.err.contains("check the architecture"), r.err);

    Path file = Files.writeString(tmp.resolve("plain"), "x");
    r = scrl("export", "--load_dir", run.toString(), "--format", "detectron2", "--out", file.resolve("w.pkl").toString());
    assertEquals(2, r.exit);
    assertTrue(r.err.contains("cannot create directory"), r.err);

    r = scrl("export", "--load_dir", run.toString(), "--format", "onnx", "--out", out.toString());
    assertEquals(2, r.exit);
    assertTrue(r.err.contains("--format onnx is unknown"), r.err);
    r = scrl("export", "--load_dir", run.toString(), "--format", "savedmodel");
    assertEquals(2, r.exit);
    assertTrue(r.err.contains("--out is required"), r.err);
    assertTrue(!Files.exists(out), "nothing written on errors");
  }
}
