package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class WeightIOTest {
  @TempDir Path dir;

  @Test
  void convAndLinearLayouts() {
    try (Graph g = new Graph()) {
      ParamStore store = new ParamStore(Ops.create(g));
      ParamStore.Param conv = store.conv("s", "c.weight", 2, 3, 4, 5); // torch [5,4,2,3]
      ParamStore.Param lin = store.linearWeight("s", "l.weight", 3, 2); // torch [2,3]
      float[] torch = new float[5 * 4 * 2 * 3];
      for (int o = 0; o < 5; o++) {
        for (int i = 0; i < 4; i++) {
          for (int h = 0; h < 2; h++) {
            for (int w = 0; w < 3; w++) {
              torch[((o * 4 + i) * 2 + h) * 3 + w] = o * 1000 + i * 100 + h * 10 + w;
            }
          }
        }
      }
      float[] hwio = WeightIO.fromTorch(conv, NpyArray.of(torch, 5, 4, 2, 3), "c.weight", "test");
      // TF [h][w][i][o]
      assertEquals(4 * 1000 + 3 * 100 + 1 * 10 + 2, hwio[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
      assertEquals(1 * 1000 + 2 * 100 + 0 * 10 + 1, hwio[((0 * 3 + 1) * 4 + 2) * 5 + 1]);
      NpyArray back = WeightIO.toTorch(conv, hwio);
      assertArrayEquals(new long[] {5, 4, 2, 3}, back.shape());
      assertArrayEquals(torch, back.floats());
      float[] tfLin = WeightIO.fromTorch(lin, NpyArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), "l.weight", "test");
      assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, tfLin); // [in=3, out=2]
    }
  }

  @Test
  void exportImportRoundTripThroughNpz() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      ParamStore store = new ParamStore(Ops.create(g));
      ByolNetwork.online(store, ResNetSpec.of("resnet18", 4), new ByolNetwork.HeadSpec(8, 4));
      ByolNetwork.target(store, ResNetSpec.of("resnet18", 4), new ByolNetwork.HeadSpec(8, 4));
      List<WeightIO.Binding> bindings = WeightIO.standardBindings(store);
      assertEquals(5, bindings.size());
      store.initialize(s, 1);
      Map<String, float[]> before = store.read(s, store.all());
      Path f = dir.resolve("w.npz");
      WeightIO.save(f, s, store, bindings);
      Map<String, NpyArray> file = Npz.read(f);
      assertArrayEquals(new long[] {4, 3, 7, 7}, file.get("conv1.weight").shape());
      assertArrayEquals(new long[] {4, 3, 7, 7}, file.get("target.conv1.weight").shape());
      assertArrayEquals(new long[] {8, 32}, file.get("projector.net.0.weight").shape());
      assertArrayEquals(new long[] {4, 8}, file.get("target.projector.net.3.weight").shape());
      assertTrue(file.containsKey("predictor.net.1.running_var"));
      store.initialize(s, 2);
      WeightIO.load(f, s, store, bindings, k -> false);
      Map<String, float[]> after = store.read(s, store.all());
      for (String k : before.keySet()) {
        assertArrayEquals(before.get(k), after.get(k), k);
      }
    }
  }

  @Test
  void namesTheProblemKey() {
    try (Graph g = new Graph()) {
      ParamStore store = new ParamStore(Ops.create(g));
      MlpHead.create(store, "online/projector", 6, 8, 4);
      List<WeightIO.Binding> b = List.of(new WeightIO.Binding("online/projector", "projector."));
      Map<String, NpyArray> ok = new LinkedHashMap<>();
      ok.put("projector.net.0.weight", NpyArray.of(new float[48], 8, 6));
      ok.put("projector.net.0.bias", NpyArray.of(new float[8], 8));
      for (String k : List.of("weight", "bias", "running_mean", "running_var")) {
        ok.put("projector.net.1." + k, NpyArray.of(new float[8], 8));
      }
      ok.put("projector.net.1.num_batches_tracked", NpyArray.of(new long[] {3}));
      ok.put("projector.net.3.weight", NpyArray.of(new double[32], 4, 8)); // f8 accepted
      assertEquals(7, WeightIO.convert(store, ok, b, k -> false, "f.npz").size());

      Map<String, NpyArray> missing = new LinkedHashMap<>(ok);
      missing.remove("projector.net.1.running_var");
      UserError e1 = assertThrows(UserError.class, () -> WeightIO.convert(store, missing, b, k -> false, "f.npz"));
      assertTrue(e1.getMessage().contains("'projector.net.1.running_var'"), e1.getMessage());

      Map<String, NpyArray> extra = new LinkedHashMap<>(ok);
      extra.put("projector.net.4.weight", NpyArray.of(new float[1], 1));
      UserError e2 = assertThrows(UserError.class, () -> WeightIO.convert(store, extra, b, k -> false, "f.npz"));
      assertTrue(e2.getMessage().contains("'projector.net.4.weight'"), e2.getMessage());
      assertEquals(7, WeightIO.convert(store, extra, b, k -> k.contains("net.4"), "f.npz").size());

      Map<String, NpyArray> wrong = new LinkedHashMap<>(ok);
      wrong.put("projector.net.0.weight", NpyArray.of(new float[48], 6, 8));
      UserError e3 = assertThrows(UserError.class, () -> WeightIO.convert(store, wrong, b, k -> false, "f.npz"));
      assertEquals("f.npz: 'projector.net.0.weight' has shape [6, 8], expected [8, 6] for "
          + "online/projector/net.0.weight (wrong architecture or width?)", e3.getMessage());
    }
  }
}
