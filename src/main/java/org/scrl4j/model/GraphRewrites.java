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

  /** {@link #deterministic()} with {@code precision}'s rewrite merged in. */
  public static ConfigProto deterministic(Precision precision) {
    return deterministic().toBuilder().mergeFrom(precision.sessionOptions()).build();
  }
}
