package org.scrl4j.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.UserError;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

class SavedModelExporterTest {
  @TempDir Path tmp;

  /** The in-process inference graph gives torchvision's eval-mode features (independent golden). */
  @Test
  void inferenceGraphMatchesTorchvisionBasicAndBottleneck() throws Exception {
    for (String file : new String[] {"resnet18_w8.npz", "resnet50_w8.npz"}) {
      Map<String, FloatArray> g = GoldenCase.load(file);
      try (BackboneSession s = new BackboneSession(GoldenCase.weights(g))) {
        Map<String, FloatArray> out = s.run(g.get("images"));
        for (String k : BackboneSession.OUTPUTS) {
          assertClose(g.get(k), out.get(k), 2e-5, file + " " + k);
        }
      }
    }
  }

  @Test
  void savedModelReloadsWithSameOutputs() throws Exception {
    Map<String, FloatArray> g = GoldenCase.load("resnet50_w8.npz");
    BackboneWeights w = GoldenCase.weights(g);
    Path dir = tmp.resolve("sm");
    SavedModelExporter.export(w, dir);
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
    assertTrue(Files.isRegularFile(dir.resolve("variables/variables.index")));

    Map<String, FloatArray> inProcess;
    try (BackboneSession s = new BackboneSession(w)) {
      inProcess = s.run(g.get("images"));
    }
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
      Signature sig = b.function(Signature.DEFAULT_KEY).signature();
      assertEquals(java.util.Set.of("images"), sig.inputNames());
      assertEquals(java.util.Set.copyOf(BackboneSession.OUTPUTS), sig.outputNames());
      try (TFloat32 x = BackboneSession.tensor(g.get("images"));
          Result r = b.function(Signature.DEFAULT_KEY).call(Map.of("images", (Tensor) x))) {
        for (String k : BackboneSession.OUTPUTS) {
          FloatArray got = BackboneSession.copy((TFloat32) r.get(k).orElseThrow());
          assertArrayEquals(inProcess.get(k).shape(), got.shape(), k);
          assertArrayEquals(inProcess.get(k).data(), got.data(), 0f, k);
          assertClose(g.get(k), got, 2e-5, "reloaded " + k);
        }
      }
    }
  }

  @Test
  void refusesNonEmptyOrFileTarget() throws Exception {
    BackboneWeights w = GoldenCase.weights(GoldenCase.load("resnet18_w8.npz"));
    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    assertThrows(UserError.class, () -> SavedModelExporter.export(w, full));
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThrows(UserError.class, () -> SavedModelExporter.export(w, file));
    assertThrows(UserError.class, () -> SavedModelExporter.export(w, file.resolve("below")));
  }

  /** Max |a-b| relative to max |a|: fp32 summation order differs between torch and TF. */
  static void assertClose(FloatArray want, FloatArray got, double tol, String what) {
    assertArrayEquals(want.shape(), got.shape(), what + " shape");
    double maxAbs = 0;
    double maxErr = 0;
    for (int i = 0; i < want.data().length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want.data()[i]));
      maxErr = Math.max(maxErr, Math.abs(want.data()[i] - got.data()[i]));
    }
    assertTrue(maxErr <= tol * maxAbs, what + ": max error " + maxErr + " vs max value " + maxAbs);
  }
}
