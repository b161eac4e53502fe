package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.export.BackboneSession;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.EvalTransform;
import org.scrl4j.export.EvalTransformTest;
import org.scrl4j.export.GoldenCase;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

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
    NpyArray feats = Npz.readNpy(out);
    assertArrayEquals(new long[] {3, 64}, feats.shape());
    List<String> names = Files.readAllLines(out.resolveSibling("feats.npy.txt"));
    assertEquals(List.of("a.png", "b.png", "sub/c.png"), names);

    float[] all = feats.floats();
    try (EvalTransform t = EvalTransform.imagenet();
        BackboneSession b = new BackboneSession(BackboneWeights.fromTorch(golden))) {
      for (int i = 0; i < names.size(); i++) {
        NpyArray x = t.apply(images.resolve(names.get(i)));
        NpyArray one = b.run(NpyArray.of(x.floats(), 1, 224, 224, 3), List.of("pooled")).get("pooled");
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
