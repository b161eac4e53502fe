package org.scrl4j.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

class SavedModelExporterTest {
  @TempDir Path tmp;

  /** The in-process inference graph gives torchvision's eval-mode features (independent golden). */
  @Test
  void backboneSessionMatchesTorchvisionEvalMode() {
    Map<String, NpyArray> g = GoldenCase.load("resnet18_w8.npz");
    try (BackboneSession s = new BackboneSession(BackboneWeights.fromTorch(g))) {
      Map<String, NpyArray> out = s.run(g.get("images"));
      for (String k : BackboneSession.OUTPUTS) {
        GoldenCase.assertClose(g.get(k), out.get(k), 2e-5, "resnet18 " + k);
      }
    }
  }

  /** Bottleneck network: exported, reloaded, and run through the serving signature. */
  @Test
  void savedModelReloadsWithInProcessOutputs() throws Exception {
    Map<String, NpyArray> g = GoldenCase.load("resnet50_w8.npz");
    BackboneWeights w = BackboneWeights.fromTorch(g);
    Path dir = tmp.resolve("sm");
    Map<String, NpyArray> inProcess;
    try (BackboneSession s = new BackboneSession(w)) {
      inProcess = s.run(g.get("images"));
    }
    SavedModelExporter.export(w, dir);
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
    assertTrue(Files.isRegularFile(dir.resolve("variables/variables.index")));

    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
      Signature sig = b.function(Signature.DEFAULT_KEY).signature();
      assertEquals(Set.of("images"), sig.inputNames());
      assertEquals(Set.copyOf(BackboneSession.OUTPUTS), sig.outputNames());
      try (TFloat32 x = BackboneSession.tensor(g.get("images"));
          Result r = b.function(Signature.DEFAULT_KEY).call(Map.of("images", (Tensor) x))) {
        for (String k : BackboneSession.OUTPUTS) {
          NpyArray got = BackboneSession.copy((TFloat32) r.get(k).orElseThrow());
          assertArrayEquals(inProcess.get(k).shape(), got.shape(), k);
          assertArrayEquals(inProcess.get(k).floats(), got.floats(), 0f, k);
          GoldenCase.assertClose(g.get(k), got, 2e-5, "reloaded resnet50 " + k);
        }
      }
      // Batch and image size are free: a non-square single image through both graphs.
      float[] px = new float[96 * 72 * 3];
      java.util.Random rnd = new java.util.Random(5);
      for (int i = 0; i < px.length; i++) {
        px[i] = (float) rnd.nextGaussian();
      }
      NpyArray one = NpyArray.of(px, 1, 96, 72, 3);
      NpyArray want;
      try (BackboneSession s = new BackboneSession(w)) {
        want = s.run(one).get("c5");
      }
      try (TFloat32 x = BackboneSession.tensor(one);
          Result r = b.function(Signature.DEFAULT_KEY).call(Map.of("images", (Tensor) x))) {
        NpyArray got = BackboneSession.copy((TFloat32) r.get("c5").orElseThrow());
        assertArrayEquals(new long[] {1, 3, 3, 256}, got.shape()); // resnet50 width 8: 8*8*4 channels
        assertArrayEquals(want.floats(), got.floats(), 0f);
      }
    }
  }

  @Test
  void refusesNonEmptyOrFileTarget() throws Exception {
    BackboneWeights w = BackboneWeights.fromTorch(GoldenCase.load("resnet18_w8.npz"));
    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    assertThrows(UserError.class, () -> SavedModelExporter.export(w, full));
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThrows(UserError.class, () -> SavedModelExporter.export(w, file));
    assertThrows(UserError.class, () -> SavedModelExporter.export(w, file.resolve("below")));
  }
}
