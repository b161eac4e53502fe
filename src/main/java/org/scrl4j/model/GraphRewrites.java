package org.scrl4j.model;

import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * The grappler settings of every session that runs a model graph (training, verify-step, bench, the exported backbone behind embed),
 * so the step that is verified is the step that trains, and it computes the same bits every run.
 *
 * <p>Grappler's arithmetic optimizer is off. Its AddOpsRewrite stage collapses trees of additions
 * into one AddN (in our graphs: LARS's {@code ||g|| + wd ||p|| + eps} per tensor and the gradient
 * sums of every batch norm). TF's CPU AddN kernel accumulates into whichever input buffer it can
 * reuse and moves that input to the front (kernels/aggregate_ops.h), and which buffer is free
 * depends on the order the executor happened to run the producers in; with three or more inputs a
 * different order rounds differently, so a run's weights differed from the next run's after a few
 * steps. Two-input sums are exact under reordering (a + b == b + a), so the model keeps every
 * addition binary (see {@link BatchNorm}) and DeterministicGraphTest checks the executed graph.
 *
 * <p>Constant folding is off and the meta optimizer makes one pass instead of two: on a ResNet-50
 * step graph (26k nodes) they were most of the first step's start-up, and the step itself is as
 * fast without them (the model builds no constant subgraphs worth folding; the oneDNN remapper's
 * fusions happen in the one pass). Measured side by side, `bench --what step --arch resnet50
 * --batch 8 --size 224 --steps 2 --warmup 1`, two runs each: SCRL first step 13.6/14.1 s -> 8.5/9.0
 * s, JVM start to the end of the first step 19.5/19.8 s -> 14.1/14.3 s, steps 3.90-3.93 s ->
 * 3.81-4.00 s; BYOL first step 11.8/12.7 s -> 9.1/9.6 s. Remapping, layout and pruning stay on.
 */
public final class GraphRewrites {
  private GraphRewrites() {}

  /**
   * Session options with the arithmetic optimizer and constant folding off and one optimizer pass;
   * merge device and cluster options into it.
   */
  public static ConfigProto deterministic() {
    return ConfigProto.newBuilder()
        .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
            RewriterConfig.newBuilder().setArithmeticOptimization(RewriterConfig.Toggle.OFF)
                .setConstantFolding(RewriterConfig.Toggle.OFF)
                .setMetaOptimizerIterations(RewriterConfig.NumIterationsType.ONE)))
        .build();
  }

  /**
   * The grappler passes that change nothing in our graphs on a CPU, switched off: they were most of
   * a ResNet-50 step's first run. Measured with TF_CPP_VMODULE=meta_optimizer=1 on the SCRL step
   * (batch 8, 224 px; 15,126 nodes after pruning): layout 0.55 s, 0 nodes changed (it converts
   * NHWC to NCHW for GPUs); memory_optimizer 1.04 s, 0 changed (swapping and recomputation for
   * GPUs); shape_optimizer 0.41 s, 0 changed; remapper 1.13 s, 4 nodes (MatMul + BiasAdd of the
   * heads, fused); TFG's MLIR passes 0.73 s; loop optimizer and implementation selector 0.18 s.
   * Pruning and the dependency optimizer stay. Mixed precision turns the remapper back on
   * ({@link Precision#sessionOptions()}); GPU sessions keep TensorFlow's defaults for these.
   */
  public static ConfigProto cpu() {
    ConfigProto base = deterministic();
    RewriterConfig.Builder r = base.getGraphOptions().getRewriteOptions().toBuilder()
        .setLayoutOptimizer(RewriterConfig.Toggle.OFF)
        .setMemoryOptimization(RewriterConfig.MemOptType.NO_MEM_OPT)
        .setShapeOptimization(RewriterConfig.Toggle.OFF)
        .setRemapping(RewriterConfig.Toggle.OFF)
        .setLoopOptimization(RewriterConfig.Toggle.OFF)
        .setImplementationSelector(RewriterConfig.Toggle.OFF)
        .setDisableTfgOptimizer(true);
    return base.toBuilder().setGraphOptions(base.getGraphOptions().toBuilder().setRewriteOptions(r)).build();
  }

  /** {@link #cpu()} with {@code precision}'s rewrite merged in, as a training session merges it. */
  public static ConfigProto cpu(Precision precision) {
    return cpu().toBuilder().mergeFrom(precision.sessionOptions()).build();
  }
}
