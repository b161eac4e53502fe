package org.scrl4j.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.StepStats;

/**
 * Where one traced step's time goes: TensorFlow's per-kernel timings (a FULL_TRACE run's
 * {@link StepStats}) summed by op type. Kernels overlap on the inter-op threads, so the op seconds
 * add up to more than the step's wall time; the shares are of the summed kernel time, which is what
 * the two cores spend. Used by {@code bench --what step --profile}.
 */
final class StepProfile {
  private StepProfile() {}

  /** Per op type: kernel seconds, share of all kernel time, and how many kernels ran, largest first. */
  static Map<String, Object> summarise(StepStats stats, double wallSeconds, int top) {
    Map<String, double[]> byType = new TreeMap<>();
    Map<String, Map<String, Double>> dtypes = new TreeMap<>();
    double total = 0;
    for (DeviceStepStats dev : stats.getDevStatsList()) {
      for (NodeExecStats n : dev.getNodeStatsList()) {
        double s = (n.getOpEndRelMicros() - n.getOpStartRelMicros()) / 1e6;
        if (s < 0) {
          continue;
        }
        double[] acc = byType.computeIfAbsent(opType(n), k -> new double[2]);
        acc[0] += s;
        acc[1] += 1;
        dtypes.computeIfAbsent(opType(n), k -> new TreeMap<>()).merge(outputDtype(n), s, Double::sum);
        total += s;
      }
    }
    List<Map.Entry<String, double[]>> rows = new ArrayList<>(byType.entrySet());
    rows.sort(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> -e.getValue()[0]));
    List<Map<String, Object>> ops = new ArrayList<>();
    for (Map.Entry<String, double[]> e : rows.subList(0, Math.min(top, rows.size()))) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("op", e.getKey());
      row.put("kernel_s", e.getValue()[0]);
      row.put("share", total > 0 ? e.getValue()[0] / total : 0.0);
      row.put("kernels", (long) e.getValue()[1]);
      // kernel seconds by output dtype: under mixed precision, which of an op's kernels ran in bfloat16
      row.put("kernel_s_by_dtype", dtypes.get(e.getKey()));
      ops.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("wall_s", wallSeconds);
    out.put("kernel_s", total);
    out.put("op_types", byType.size());
    out.put("ops", ops);
    return out;
  }

  /** The dtype of the kernel's first output ("float", "bfloat16", ...), "none" without outputs. */
  static String outputDtype(NodeExecStats n) {
    if (n.getOutputCount() == 0) {
      return "none";
    }
    return n.getOutput(0).getTensorDescription().getDtype().name().replaceFirst("^DT_", "").toLowerCase(java.util.Locale.ROOT);
  }

  /** The op type from the trace's label "name = Type(inputs)"; the node name when there is none. */
  static String opType(NodeExecStats n) {
    String label = n.getTimelineLabel();
    int eq = label.indexOf(" = ");
    int paren = label.indexOf('(', Math.max(eq, 0));
    if (eq >= 0 && paren > eq) {
      return label.substring(eq + 3, paren).trim();
    }
    return n.getNodeName();
  }
}
