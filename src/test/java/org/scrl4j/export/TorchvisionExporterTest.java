package org.scrl4j.export;

import org.scrl4j.Python;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNet;
import org.scrl4j.model.ResNetSpec;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class TorchvisionExporterTest {
  @TempDir Path tmp;

  @Test
  void npzReloadsBitIdentically() {
    Map<String, NpyArray> golden = GoldenCase.load("resnet50_w8.npz");
    BackboneWeights w = BackboneWeights.fromTorch(golden);
    Path out = tmp.resolve("sub/backbone.npz");
    TorchvisionExporter.write(w, out);
    Map<String, NpyArray> back = Npz.read(out);
    assertEquals(List.copyOf(w.torch().keySet()), List.copyOf(back.keySet()));
    for (Map.Entry<String, NpyArray> e : w.torch().entrySet()) {
      NpyArray b = back.get(e.getKey());
      assertEquals(NpyArray.Dtype.F4, b.dtype(), e.getKey());
      assertArrayEquals(golden.get(e.getKey()).shape(), b.shape(), e.getKey());
      assertArrayEquals(golden.get(e.getKey()).floats(), b.floats(), 0f, e.getKey());
    }
    assertEquals(BackboneLayout.torchShapes(w.spec()).size(), back.size());
  }

  /**
   * A live model's backbone (seeded init of the training graph's ParamStore), exported and loaded
   * in PyTorch with the printed snippet into torchvision.models.resnet18(): same pooled features;
   * the snippet's {@code preprocess} is the run's eval transform ({@link EvalTransform}).
   */
  @Test
  void printedSnippetLoadsIntoTorchvision() throws Exception {
    Python.assumeModules("numpy", "torch", "torchvision", "PIL");
    ResNetSpec spec = ResNetSpec.of("resnet18");
    BackboneWeights w;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      ParamStore store = new ParamStore(Ops.create(g));
      ResNet.create(store, "online/backbone", spec);
      store.initialize(s, 7);
      w = BackboneWeights.fromParamStore(s, store, "online/backbone", spec);
    }
    Path out = tmp.resolve("r18.npz");
    TorchvisionExporter.write(w, out);
    float[] px = new float[2 * 64 * 64 * 3];
    Random rnd = new Random(3);
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) rnd.nextGaussian();
    }
    NpyArray images = NpyArray.of(px, 2, 64, 64, 3);
    NpyArray pooled;
    try (BackboneSession b = new BackboneSession(w)) {
      pooled = b.run(images, List.of("pooled")).get("pooled");
    }
    Path io = tmp.resolve("io.npz");
    Npz.write(io, Map.of("images", images, "pooled", pooled));
    // a 32 px run whose probe resized to 40: the snippet's preprocess must be that transform
    Preprocessing p = new Preprocessing(32, 8, "test");
    Path png = EvalTransformTest.writePng(tmp.resolve("img.png"), 45, 81, 7, false);
    Path ours = tmp.resolve("ours.npz");
    try (EvalTransform t = new EvalTransform(p)) {
      Npz.write(ours, Map.of("x", t.apply(png)));
    }
    String snippet = TorchvisionExporter.pythonSnippet(w, out, p);
    assertEquals(5, snippet.strip().split("\n").length, snippet);
    String result = Python.check(String.join("\n",
        "import sys, numpy as np",
        "from PIL import Image",
        "exec(open(sys.argv[1]).read())",
        "x = preprocess(Image.open(sys.argv[3]).convert('RGB')).permute(1, 2, 0).numpy()",
        "mine = np.load(sys.argv[4])['x']",
        "assert x.shape == mine.shape == (32, 32, 3), (x.shape, mine.shape)",
        "d = np.abs(mine - x) * 0.229 * 255  # in 8-bit levels (roughly), as EvalTransformTest",
        "assert d.mean() < 0.6 and np.percentile(d, 99) < 3.5, (d.mean(), np.percentile(d, 99))",
        "r = model.load_state_dict(state, strict=False)",
        "assert sorted(r.missing_keys) == ['fc.bias', 'fc.weight'] and not r.unexpected_keys, r",
        "io = np.load(sys.argv[2]); model.eval()",
        "with torch.no_grad():",
        "    x = torch.from_numpy(io['images']).permute(0, 3, 1, 2).contiguous()",
        "    f = model.avgpool(model.layer4(model.layer3(model.layer2(model.layer1(",
        "        model.maxpool(model.relu(model.bn1(model.conv1(x))))))))).flatten(1).numpy()",
        "err = np.abs(f - io['pooled']).max() / np.abs(f).max()",
        "print('max_rel_err', err); assert err < 1e-4, err"),
        java.nio.file.Files.writeString(tmp.resolve("snippet.py"), snippet).toString(), io.toString(), png.toString(),
        ours.toString());
    assertTrue(result.contains("max_rel_err"), result);
  }
}
