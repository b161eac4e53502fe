package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigLoader;
import org.scrl4j.config.ConfigPrinter;
import org.scrl4j.data.FolderSource;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.data.PipelineOptions;
import org.scrl4j.data.Pipelines;
import org.scrl4j.data.SingleViewTransform;
import org.scrl4j.data.Split;
import org.scrl4j.export.BackboneSession;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.EvalTransform;
import org.scrl4j.export.EvalTransformTest;
import org.scrl4j.export.GoldenCase;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.model.TensorValues;
import org.scrl4j.train.RunLogFile;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class EmbedCommandTest {
  @TempDir Path tmp;

  /** Rows follow the sorted paths and equal one-image forward passes, across batch boundaries. */
  @Test
  void embedsAFolderInSortedOrder() throws Exception {
    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path run = ExportCommandTest.writeRun(tmp.resolve("run"), golden, "resnet18", 8);
    Path images = tmp.resolve("images");
    EvalTransformTest.writePng(images.resolve("b.png"), 300, 260, 1, false);
    EvalTransformTest.writePng(images.resolve("a.png"), 256, 320, 2, false);
    EvalTransformTest.writePng(images.resolve("sub/c.png"), 400, 300, 3, true);
    Files.writeString(images.resolve("notes.txt"), "not an image");
    Path out = tmp.resolve("feats.npy");

    ExportCommandTest.Run r = ExportCommandTest.scrl("embed", "--load_dir", run.toString(), "--images",
        images.toString(), "--out", out.toString(), "--batch", "2");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("eval transform: resize shorter side to 256, centre crop 224 (from the checkpoint's config)"),
        r.out());
    NpyArray feats = Npz.readNpy(out);
    assertArrayEquals(new long[] {3, 64}, feats.shape());
    List<String> names = Files.readAllLines(out.resolveSibling("feats.npy.txt"));
    assertEquals(List.of("a.png", "b.png", "sub/c.png"), names);

    assertRowsAre(feats, images, names, EvalTransform.imagenet(), golden);
  }

  /** The config of a 32 px run (the demo's: augment/input_size 32, center_crop_pad 0), as a checkpoint keeps it. */
  static String demoConfigYaml() {
    return ConfigPrinter.toYaml(ConfigLoader.load(Path.of("config/demo_fashion_mnist.yaml"), List.of()));
  }

  /** Small images as a validation class folder, so the evaluation pipeline can read them too. */
  private Path smallImages() throws Exception {
    Path root = tmp.resolve("small");
    Path cls = root.resolve("val/c0");
    EvalTransformTest.writePng(cls.resolve("a.png"), 28, 28, 5, true);
    EvalTransformTest.writePng(cls.resolve("b.png"), 70, 50, 6, false);
    EvalTransformTest.writePng(cls.resolve("c.png"), 45, 81, 7, false);
    return root;
  }

  /**
   * A checkpoint of a 32 px run embeds through that run's evaluation transform: every row equals
   * the backbone on the images the linear probe's evaluation pipeline makes of the same files.
   */
  @Test
  void embedsThroughTheTransformOfTheCheckpointsConfig() throws Exception {
    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path run = ExportCommandTest.writeRun(tmp.resolve("run32"), golden, "resnet18", 8, demoConfigYaml());
    Path root = smallImages();
    Path out = tmp.resolve("feats32.npy");
    ExportCommandTest.Run r = ExportCommandTest.scrl("embed", "--load_dir", run.toString(), "--images",
        root.resolve("val").toString(), "--out", out.toString(), "--batch", "2");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("eval transform: resize shorter side to 32, centre crop 32 (from the checkpoint's config)"),
        r.out());
    assertEquals(List.of("c0/a.png", "c0/b.png", "c0/c.png"), Files.readAllLines(out.resolveSibling("feats32.npy.txt")));
    NpyArray feats = Npz.readNpy(out);
    assertArrayEquals(new long[] {3, 64}, feats.shape());

    NpyArray probeImages;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Config cfg = ConfigLoader.loadText(demoConfigYaml(), "demo");
      InputPipeline eval = Pipelines.evaluation(Ops.create(g), FolderSource.open(root, Split.VALIDATION),
          cfg.augment().inputSize(), cfg.augment().centerCropPad(), PipelineOptions.evaluation(3, 0, 1));
      eval.startEpoch(s, 0, 0);
      try (Result res = s.runner().fetch(eval.output(SingleViewTransform.IMAGE)).run()) {
        TFloat32 t = (TFloat32) res.get(0);
        probeImages = NpyArray.of(TensorValues.floats(t), t.shape().asArray());
      }
    }
    assertArrayEquals(new long[] {3, 32, 32, 3}, probeImages.shape());
    try (BackboneSession b = new BackboneSession(BackboneWeights.fromTorch(golden))) {
      NpyArray expected = b.run(probeImages, List.of("pooled")).get("pooled");
      GoldenCase.assertClose(expected, feats, 1e-5, "embed vs the evaluation pipeline");
    }
  }

  /** --size / --pad replace the checkpoint's numbers and say so. */
  @Test
  void sizeAndPadOverrideTheCheckpointsTransform() throws Exception {
    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path run = ExportCommandTest.writeRun(tmp.resolve("run32"), golden, "resnet18", 8, demoConfigYaml());
    Path images = smallImages().resolve("val/c0");
    Path out = tmp.resolve("feats40.npy");
    ExportCommandTest.Run r = ExportCommandTest.scrl("embed", "--load_dir", run.toString(), "--images",
        images.toString(), "--out", out.toString(), "--pad", "8");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("eval transform: resize shorter side to 40, centre crop 32 (from --pad 8; the checkpoint's:"
        + " resize shorter side to 32, centre crop 32, from the checkpoint's config)"), r.out());
    assertRowsAre(Npz.readNpy(out), images, List.of("a.png", "b.png", "c.png"), new EvalTransform(32, 8), golden);

    r = ExportCommandTest.scrl("embed", "--load_dir", run.toString(), "--images", images.toString(), "--out",
        out.toString(), "--pad", "-1");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--pad -1 must be 0 or more"), r.err());
  }

  /**
   * A checkpoint whose state.json keeps no config, or one that does not load, embeds through the
   * original's 256 / 224 with one warning naming why.
   */
  @Test
  void checkpointWithoutAUsableConfigFallsBackToTheOriginalsTransform() throws Exception {
    Map<String, NpyArray> golden = GoldenCase.load("resnet18_w8.npz");
    Path images = tmp.resolve("images");
    EvalTransformTest.writePng(images.resolve("a.png"), 300, 260, 1, false);
    String[][] cases = {
      {"", "holds no run config", "the original's default, as the checkpoint keeps no config"},
      {"augment:\n  input_sise: 32\n", "does not load: unknown config key 'augment/input_sise'",
          "the original's default, as the checkpoint's config does not load"},
    };
    for (int k = 0; k < cases.length; k++) {
      Path run = ExportCommandTest.writeRun(tmp.resolve("old" + k), golden, "resnet18", 8, cases[k][0]);
      Path out = tmp.resolve("old" + k + ".npy");
      Path log = tmp.resolve("warnings" + k + ".txt");
      ExportCommandTest.Run r;
      try (RunLogFile ignored = RunLogFile.attach(log, Level.WARN)) {
        r = ExportCommandTest.scrl("embed", "--load_dir", run.toString(), "--images", images.toString(),
            "--out", out.toString());
      }
      assertEquals(0, r.exit(), r.err());
      assertTrue(r.out().contains("eval transform: resize shorter side to 256, centre crop 224 (" + cases[k][2] + ")"),
          r.out());
      List<String> warnings = Files.readAllLines(log).stream().filter(l -> l.contains(" WARN ")).toList();
      assertEquals(1, warnings.size(), String.join("\n", warnings));
      String state = run.resolve("checkpoint_2").resolve("state.json").toString();
      assertTrue(warnings.get(0).contains(cases[k][1]) && warnings.get(0).contains(state), warnings.get(0));
      if (k == 1) {
        assertTrue(warnings.get(0).contains("augment/input_size"), "the loader's reason: " + warnings.get(0));
      }
      assertRowsAre(Npz.readNpy(out), images, List.of("a.png"), EvalTransform.imagenet(), golden);
    }
  }

  /** Each row equals {@code transform} then the backbone on that one image; closes the transform. */
  private static void assertRowsAre(NpyArray feats, Path dir, List<String> names, EvalTransform transform,
      Map<String, NpyArray> golden) {
    assertArrayEquals(new long[] {names.size(), 64}, feats.shape());
    float[] all = feats.floats();
    int side = transform.size();
    try (EvalTransform t = transform;
        BackboneSession b = new BackboneSession(BackboneWeights.fromTorch(golden))) {
      for (int i = 0; i < names.size(); i++) {
        NpyArray x = t.apply(dir.resolve(names.get(i)));
        NpyArray one = b.run(NpyArray.of(x.floats(), 1, side, side, 3), List.of("pooled")).get("pooled");
        float[] row = java.util.Arrays.copyOfRange(all, i * 64, (i + 1) * 64);
        GoldenCase.assertClose(one, NpyArray.of(row, 1, 64), 1e-5, names.get(i));
      }
    }
  }

  @Test
  void folderWithoutImagesIsAUserError() throws Exception {
    Path run = ExportCommandTest.writeRun(tmp.resolve("run"), GoldenCase.load("resnet18_w8.npz"), "resnet18", 8);
    Path images = Files.createDirectories(tmp.resolve("none"));
    ExportCommandTest.Run r = ExportCommandTest.scrl("embed", "--load_dir", run.toString(), "--images",
        images.toString(), "--out", tmp.resolve("f.npy").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("holds no image files"), r.err());
  }
}
