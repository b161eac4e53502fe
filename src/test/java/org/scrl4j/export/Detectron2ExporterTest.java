package org.scrl4j.export;

import org.scrl4j.Python;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.model.ResNetSpec;

class Detectron2ExporterTest {
  @TempDir Path tmp;

  /** Names as Detectron2's ResNet (and its convert-torchvision-to-d2 script) spell them. */
  @Test
  void mapsTorchvisionNamesToDetectron2() {
    assertEquals("stem.conv1.weight", Detectron2Exporter.d2Name("conv1.weight"));
    assertEquals("stem.conv1.norm.running_var", Detectron2Exporter.d2Name("bn1.running_var"));
    assertEquals("res2.0.conv1.weight", Detectron2Exporter.d2Name("layer1.0.conv1.weight"));
    assertEquals("res2.0.conv3.norm.weight", Detectron2Exporter.d2Name("layer1.0.bn3.weight"));
    assertEquals("res3.0.shortcut.weight", Detectron2Exporter.d2Name("layer2.0.downsample.0.weight"));
    assertEquals("res5.0.shortcut.norm.running_mean", Detectron2Exporter.d2Name("layer4.0.downsample.1.running_mean"));
    assertEquals("res4.22.conv2.norm.bias", Detectron2Exporter.d2Name("layer3.22.bn2.bias"));
    assertThrows(IllegalArgumentException.class, () -> Detectron2Exporter.d2Name("fc.weight"));
  }

  /** Python's pickle (as Detectron2's checkpointer calls it) reads back every name, shape and value. */
  @Test
  void pickleReadsBackInPython() throws Exception {
    Python.assumeModules("numpy");
    for (String file : new String[] {"resnet50_w8.npz", "resnet18_w8.npz"}) {
      BackboneWeights w = BackboneWeights.fromTorch(GoldenCase.load(file));
      Path pkl = tmp.resolve(file + ".pkl");
      Detectron2Exporter.write(w, pkl);
      Path reference = tmp.resolve(file + ".tv.npz");
      Npz.write(reference, w.torch());
      // Expected names by the string rules of Detectron2's tools/convert-torchvision-to-d2.py.
      String out = Python.check(String.join("\n",
          "import pickle, sys, numpy as np",
          "def d2(k):",
          "    if 'layer' not in k: k = 'stem.' + k",
          "    for t in (1, 2, 3, 4): k = k.replace('layer%d' % t, 'res%d' % (t + 1))",
          "    for t in (1, 2, 3): k = k.replace('bn%d' % t, 'conv%d.norm' % t)",
          "    return k.replace('downsample.0', 'shortcut').replace('downsample.1', 'shortcut.norm')",
          "with open(sys.argv[1], 'rb') as f: data = pickle.load(f, encoding='latin1')",
          "assert set(data) == {'model', '__author__', 'matching_heuristics'}, data.keys()",
          "assert data['__author__'] == 'scrl4j' and data['matching_heuristics'] is True",
          "ref = np.load(sys.argv[2]); m = data['model']",
          "assert list(m) == [d2(k) for k in ref.keys()], (list(m)[:5], list(ref.keys())[:5])",
          "for k in ref.keys():",
          "    v = m[d2(k)]",
          "    assert type(v) is np.ndarray and v.dtype == np.float32 and v.flags['C_CONTIGUOUS'], k",
          "    assert v.shape == ref[k].shape and np.array_equal(v, ref[k]), k",
          "print(len(m), m['stem.conv1.weight'].shape)"),
          pkl.toString(), reference.toString());
      int expected = w.torch().size();
      assertTrue(out.startsWith(expected + " (" + w.spec().width() + ", 3, 7, 7)"), out);
    }
  }

  private static final Preprocessing P32 = new Preprocessing(32, 8, "test");

  @Test
  void configNotesMatchTheArchitecture() {
    String r50 = Detectron2Exporter.configNotes(ResNetSpec.of("resnet50"), Path.of("/x/w.pkl"), P32);
    assertTrue(r50.contains("WEIGHTS: \"/x/w.pkl\""), r50);
    assertTrue(r50.contains("DEPTH: 50") && r50.contains("STRIDE_IN_1X1: False"), r50);
    assertTrue(r50.contains("PIXEL_MEAN: [123.675, 116.280, 103.530]") && r50.contains("FORMAT: \"RGB\""), r50);
    assertTrue(r50.contains("PIXEL_STD: [58.395, 57.120, 57.375]"), r50);
    assertTrue(r50.contains("resize shorter side to 40, centre crop 32") && r50.contains("w.pkl.preprocessing.json"), r50);
    assertTrue(!r50.contains("RES2_OUT_CHANNELS"), r50);
    String r18 = Detectron2Exporter.configNotes(ResNetSpec.of("resnet18"), Path.of("/x/w.pkl"), P32);
    assertTrue(r18.contains("DEPTH: 18") && r18.contains("RES2_OUT_CHANNELS: 64") && !r18.contains("NOTE"), r18);
    String r50w16 = Detectron2Exporter.configNotes(ResNetSpec.of("resnet50", 16), Path.of("/x/w.pkl"), P32);
    assertTrue(r50w16.contains("RES2_OUT_CHANNELS: 64") && r50w16.contains("STEM_OUT_CHANNELS: 16")
        && r50w16.contains("WIDTH_PER_GROUP: 16"), r50w16);
    assertTrue(Detectron2Exporter.configNotes(ResNetSpec.of("resnet18", 8), Path.of("/x/w.pkl"), P32).contains("will not load"));
  }

  @Test
  void unwritableTargetIsAUserError() throws Exception {
    BackboneWeights w = BackboneWeights.fromTorch(GoldenCase.load("resnet18_w8.npz"));
    Path file = Files.writeString(tmp.resolve("plain"), "x");
    UserError e = assertThrows(UserError.class, () -> Detectron2Exporter.write(w, file.resolve("w.pkl")));
    assertTrue(e.getMessage().contains("cannot create directory"), e.getMessage());
    assertThrows(UserError.class, () -> Detectron2Exporter.write(w, tmp));
  }

  @Test
  void rejectsWeightsOfAnotherArchitecture() {
    Map<String, NpyArray> r18 = GoldenCase.load("resnet18_w8.npz");
    UserError e = assertThrows(UserError.class,
        () -> BackboneWeights.fromTorch(r18, ResNetSpec.of("resnet50", 8)));
    assertTrue(e.getMessage().contains("resnet50"), e.getMessage());
  }
}
