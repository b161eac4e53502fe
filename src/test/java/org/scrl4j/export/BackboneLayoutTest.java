package org.scrl4j.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.ResNetSpec;

class BackboneLayoutTest {
  /** Hand counts: stem 5; basic block 10, bottleneck 15 tensors; a downsample adds 5. */
  @Test
  void tensorCountsMatchTorchvisionStateDicts() {
    assertEquals(5 + 8 * 10 + 3 * 5, BackboneLayout.torchShapes(ResNetSpec.of("resnet18")).size());
    assertEquals(5 + 16 * 10 + 3 * 5, BackboneLayout.torchShapes(ResNetSpec.of("resnet34")).size());
    assertEquals(5 + 16 * 15 + 4 * 5, BackboneLayout.torchShapes(ResNetSpec.of("resnet50")).size()); // 265
    assertEquals(5 + 33 * 15 + 4 * 5, BackboneLayout.torchShapes(ResNetSpec.of("resnet101")).size());
    Map<String, long[]> r50 = BackboneLayout.torchShapes(ResNetSpec.of("resnet50"));
    assertArrayEquals(new long[] {256, 64, 1, 1}, r50.get("layer1.0.downsample.0.weight"));
    assertArrayEquals(new long[] {512, 512, 3, 3}, r50.get("layer4.2.conv2.weight"));
    assertArrayEquals(new long[] {128, 256, 1, 1}, r50.get("layer2.0.conv1.weight"));
    assertArrayEquals(new long[] {2048}, r50.get("layer4.2.bn3.running_var"));
  }

  @Test
  void infersArchitectureAndWidthFromNames() {
    for (String arch : new String[] {"resnet18", "resnet34", "resnet50", "resnet101"}) {
      Map<String, NpyArray> fake = new LinkedHashMap<>();
      BackboneLayout.torchShapes(ResNetSpec.of(arch, 16)).forEach((k, s) -> fake.put(k, zeros(s)));
      assertEquals(ResNetSpec.of(arch, 16), BackboneLayout.infer(fake), arch);
    }
    UserError e = assertThrows(UserError.class, () -> BackboneLayout.infer(Map.of("fc.weight", zeros(new long[] {2, 2}))));
    assertTrue(e.getMessage().contains("conv1.weight"), e.getMessage());
  }

  /** The conv layout change against a hand-indexed element: torch w[o][i][y][x] == tf w[y][x][i][o]. */
  @Test
  void convLayoutsAgreeElementwise() {
    long[] s = {4, 3, 2, 5}; // O, I, kh, kw
    float[] v = new float[4 * 3 * 2 * 5];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    NpyArray tf = BackboneWeights.oihwToHwio(NpyArray.of(v, s));
    assertArrayEquals(new long[] {2, 5, 3, 4}, tf.shape());
    int o = 3, in = 1, y = 1, x = 4;
    assertEquals(v[((o * 3 + in) * 2 + y) * 5 + x], tf.floats()[((y * 5 + x) * 3 + in) * 4 + o]);
    assertArrayEquals(v, BackboneWeights.hwioToOihw(tf).floats());
  }

  private static NpyArray zeros(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return NpyArray.of(new float[(int) n], shape);
  }
}
