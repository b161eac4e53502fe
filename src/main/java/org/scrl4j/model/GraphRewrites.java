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
 * Everything else grappler does (constant folding, remapping, layout, pruning) stays on.
 */
public final class GraphRewrites {
  private GraphRewrites() {}

  /** Session options with the arithmetic optimizer off; merge device and cluster options into it. */
  public static ConfigProto deterministic() {
    return ConfigProto.newBuilder()
        .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
            RewriterConfig.newBuilder().setArithmeticOptimization(RewriterConfig.Toggle.OFF)))
        .build();
  }
}
