package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

/**
 * The CPU session options keep the determinism settings and drop the passes that change nothing
 * on a CPU; mixed precision, merged after them as every session merges it, gets the remapper back.
 */
class GraphRewritesTest {

  @Test
  void cpuOptionsKeepDeterminismAndDropGpuPasses() {
    RewriterConfig r = GraphRewrites.cpu().getGraphOptions().getRewriteOptions();
    assertEquals(RewriterConfig.Toggle.OFF, r.getArithmeticOptimization(), "AddN merging stays off");
    assertEquals(RewriterConfig.Toggle.OFF, r.getConstantFolding());
    assertEquals(RewriterConfig.NumIterationsType.ONE, r.getMetaOptimizerIterations());
    assertEquals(RewriterConfig.Toggle.OFF, r.getLayoutOptimizer());
    assertEquals(RewriterConfig.MemOptType.NO_MEM_OPT, r.getMemoryOptimization());
    assertEquals(RewriterConfig.Toggle.OFF, r.getShapeOptimization());
    assertEquals(RewriterConfig.Toggle.OFF, r.getRemapping());
    assertTrue(r.getDisableTfgOptimizer());
    assertEquals(RewriterConfig.Toggle.DEFAULT, r.getDependencyOptimization(), "pruning and dependencies stay");
  }

  @Test
  void mixedBfloat16MergedAfterTheCpuOptionsRemaps() {
    ConfigProto merged = GraphRewrites.cpu(Precision.MIXED_BFLOAT16);
    RewriterConfig r = merged.getGraphOptions().getRewriteOptions();
    assertEquals(RewriterConfig.Toggle.ON, r.getRemapping());
    assertEquals(RewriterConfig.Toggle.ON, r.getAutoMixedPrecisionOnednnBfloat16());
    assertEquals(RewriterConfig.Toggle.OFF, r.getArithmeticOptimization());
    assertEquals(RewriterConfig.Toggle.OFF, r.getLayoutOptimizer());
  }
}
