package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.CpuFeatures;
import org.scrl4j.common.UserError;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

class PrecisionTest {
  private static final CpuFeatures BF16 = new CpuFeatures(Set.of("avx512f", "avx512_bf16"));
  private static final CpuFeatures AMX = new CpuFeatures(Set.of("avx512f", "amx_bf16", "amx_tile"));
  private static final CpuFeatures NO_BF16 = new CpuFeatures(Set.of("avx2", "avx512f", "avx512_vnni"));

  @Test
  void configValuesParseAndBadOnesNameTheChoices() {
    assertEquals(Precision.MIXED_BFLOAT16, Precision.parse("train/precision", "mixed_bfloat16"));
    assertEquals(Precision.FLOAT32, Precision.parse("train/precision", "float32"));
    UserError e = assertThrows(UserError.class, () -> Precision.parse("train/precision", "bf16"));
    assertEquals("train/precision 'bf16' is not one of float32 | mixed_bfloat16 | mixed_float16", e.getMessage());
    assertTrue(Precision.MIXED_FLOAT16.needsLossScaling());
    assertFalse(Precision.MIXED_BFLOAT16.needsLossScaling());
    assertTrue(Precision.MIXED_BFLOAT16.fusedBatchNorm(1));
    assertFalse(Precision.MIXED_BFLOAT16.fusedBatchNorm(2), "synchronised moments need the plain-op form");
    assertFalse(Precision.FLOAT32.fusedBatchNorm(1), "float32 keeps the certified float64 moments");
  }

  @Test
  void float16IsRefusedOnACpuWithTheReason() {
    UserError e = assertThrows(UserError.class, () -> Precision.MIXED_FLOAT16.checkSupported("CPU", BF16, "1"));
    assertTrue(e.getMessage().contains("is for GPUs") && e.getMessage().contains("mixed_bfloat16"), e.getMessage());
    assertEquals(2, e.exitCode());
    Precision.MIXED_FLOAT16.checkSupported("GPU", NO_BF16, null);
  }

  @Test
  void bfloat16NeedsNativeInstructionsAndOneDnn() {
    UserError e = assertThrows(UserError.class, () -> Precision.MIXED_BFLOAT16.checkSupported("CPU", NO_BF16, "1"));
    assertTrue(e.getMessage().contains("avx512_bf16 or amx_bf16") && e.getMessage().contains("emulated"), e.getMessage());
    e = assertThrows(UserError.class, () -> Precision.MIXED_BFLOAT16.checkSupported("CPU", BF16, "0"));
    assertTrue(e.getMessage().contains("TF_ENABLE_ONEDNN_OPTS=0"), e.getMessage());
    Precision.MIXED_BFLOAT16.checkSupported("CPU", BF16, "1");
    Precision.MIXED_BFLOAT16.checkSupported("CPU", AMX, "1");
    Precision.FLOAT32.checkSupported("CPU", NO_BF16, null);
  }

  @Test
  void sessionOptionsTurnOnTheMatchingGrapplerRewriteOnTopOfTheDeterministicOnes() {
    RewriterConfig f32 = GraphRewrites.cpu(Precision.FLOAT32).getGraphOptions().getRewriteOptions();
    RewriterConfig bf16 = GraphRewrites.cpu(Precision.MIXED_BFLOAT16).getGraphOptions().getRewriteOptions();
    RewriterConfig fp16 = GraphRewrites.cpu(Precision.MIXED_FLOAT16).getGraphOptions().getRewriteOptions();
    assertEquals(GraphRewrites.cpu(), GraphRewrites.cpu(Precision.FLOAT32));
    assertEquals(RewriterConfig.Toggle.ON, bf16.getAutoMixedPrecisionOnednnBfloat16());
    assertEquals(RewriterConfig.Toggle.DEFAULT, bf16.getAutoMixedPrecision());
    assertEquals(RewriterConfig.Toggle.ON, fp16.getAutoMixedPrecision());
    for (RewriterConfig r : new RewriterConfig[] {f32, bf16, fp16}) {
      assertEquals(RewriterConfig.Toggle.OFF, r.getArithmeticOptimization());
      assertEquals(RewriterConfig.Toggle.OFF, r.getConstantFolding());
    }
    assertEquals(ConfigProto.getDefaultInstance(), Precision.FLOAT32.sessionOptions());
  }
}
