package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.StepStats;

class StepProfileTest {

  private static NodeExecStats node(String name, String type, long startMicros, long endMicros) {
    return NodeExecStats.newBuilder().setNodeName(name)
        .setTimelineLabel(name + " = " + type + "(a, b)")
        .setOpStartRelMicros(startMicros).setOpEndRelMicros(endMicros).build();
  }

  /** Kernel time is summed per op type over devices; shares are of the total; largest first. */
  @Test
  void sumsKernelTimeByOpTypeAcrossDevices() {
    StepStats stats = StepStats.newBuilder()
        .addDevStats(DeviceStepStats.newBuilder()
            .addNodeStats(node("conv1", "_MklNativeConv2D", 0, 3000))
            .addNodeStats(node("add", "AddV2", 10, 1010)))
        .addDevStats(DeviceStepStats.newBuilder()
            .addNodeStats(node("conv2", "_MklNativeConv2D", 5, 1005))
            .addNodeStats(NodeExecStats.newBuilder().setNodeName("_SOURCE").build()))
        .build();
    Map<String, Object> p = StepProfile.summarise(stats, 0.5, 10);
    assertEquals(0.005, (double) p.get("kernel_s"), 1e-12);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> ops = (List<Map<String, Object>>) p.get("ops");
    assertEquals("_MklNativeConv2D", ops.get(0).get("op"));
    assertEquals(0.004, (double) ops.get(0).get("kernel_s"), 1e-12);
    assertEquals(0.8, (double) ops.get(0).get("share"), 1e-12);
    assertEquals(2L, ops.get(0).get("kernels"));
    assertEquals("AddV2", ops.get(1).get("op"));
    // a node without a label counts under its own name (zero time here)
    assertEquals("_SOURCE", ops.get(2).get("op"));
    assertEquals(3, p.get("op_types"));
  }

  @Test
  void keepsOnlyTheLargestTypes() {
    StepStats stats = StepStats.newBuilder().addDevStats(DeviceStepStats.newBuilder()
        .addNodeStats(node("a", "A", 0, 1)).addNodeStats(node("b", "B", 0, 2)).addNodeStats(node("c", "C", 0, 3)))
        .build();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> ops = (List<Map<String, Object>>) StepProfile.summarise(stats, 1, 2).get("ops");
    assertEquals(List.of("C", "B"), ops.stream().map(o -> o.get("op")).toList());
  }
}
