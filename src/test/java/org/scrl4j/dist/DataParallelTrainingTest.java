package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replica JVMs training {@link TinyModel} (synchronised BN, SGD) on the two halves of every
 * global batch against one process training on the whole batch.
 */
class DataParallelTrainingTest {
  static final int STEPS = 4;

  @TempDir Path dir;

  @Test
  void twoReplicasStayBitIdenticalAndMatchOneProcessOnTheGlobalBatch() throws Exception {
    List<String> rank0;
    List<String> rank1;
    try (ReplicaProcesses procs = new ReplicaProcesses(dir)) {
      Process p0 = procs.start("train", 0, 2, STEPS, 0);
      Process p1 = procs.start("train", 1, 2, STEPS, 0);
      int rc0 = ReplicaProcesses.await(p0, 50);
      int rc1 = ReplicaProcesses.await(p1, 10);
      assertEquals(0, rc0, procs.logText(0));
      assertEquals(0, rc1, procs.logText(1));
      rank0 = Files.readAllLines(procs.weights(0));
      rank1 = Files.readAllLines(procs.weights(1));
    }
    // init + one line per step + the evaluation count.
    assertEquals(STEPS + 2, rank0.size());
    for (int i = 0; i < rank0.size(); i++) {
      // Not assertEquals on the lines: a mismatch would print hundreds of hex words.
      assertTrue(rank0.get(i).equals(rank1.get(i)), "replicas' weights are not bit-identical after: "
          + rank0.get(i).substring(0, rank0.get(i).indexOf(' ')));
    }

    List<float[]> reference = new ArrayList<>();
    long referenceCorrect;
    try (DistContext single = DistContext.single(); TinyModel model = new TinyModel(single, 77)) {
      reference.add(model.weights());
      for (int s = 0; s < STEPS; s++) {
        model.step(single, TinyModel.inputs(s, 0, TinyModel.GLOBAL_BATCH));
        reference.add(model.weights());
      }
      referenceCorrect = model.correct(single, TinyModel.inputs(999, 0, TinyModel.GLOBAL_BATCH));
    }
    // Rank 0's initial weights were broadcast: same seed as the reference, so exactly equal.
    assertEquals("init " + DistWorkerMain.hex(reference.get(0)), rank0.get(0));
    for (int s = 1; s <= STEPS; s++) {
      float[] dist = parse(rank0.get(s));
      float[] ref = reference.get(s);
      float[] before = reference.get(s - 1);
      assertEquals(ref.length, dist.length);
      double moved = 0;
      for (int i = 0; i < ref.length; i++) {
        // Reduction order differs (two halves summed vs one batch): float32 rounding only.
        assertEquals(ref[i], dist[i], 2e-6 + 2e-5 * Math.abs(ref[i]), "step " + (s - 1) + " weight " + i);
        moved = Math.max(moved, Math.abs(ref[i] - before[i]));
      }
      assertTrue(moved > 1e-3, "training must move the weights for the comparison to mean anything");
    }
    assertEquals("correct " + referenceCorrect, rank0.get(STEPS + 1));
  }

  private static float[] parse(String line) {
    String[] hex = line.substring(line.indexOf(' ') + 1).split(",");
    float[] v = new float[hex.length];
    for (int i = 0; i < hex.length; i++) {
      v[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(hex[i], 16));
    }
    return v;
  }

  @Test
  void oneProcessStartsItsLocalSiblingReplicas() throws Exception {
    try (ReplicaProcesses procs = new ReplicaProcesses(dir)) {
      // --num_devices 2 on one machine: only local replica 0 is started; it spawns replica 1.
      Process p0 = procs.start("spawn", 0, 2, 2, 0);
      assertEquals(0, ReplicaProcesses.await(p0, 50), procs.logText(0));
      Path prefix = procs.weights(0);
      List<String> a = Files.readAllLines(Path.of(prefix + "0"));
      List<String> b = Files.readAllLines(Path.of(prefix + "1"));
      assertEquals(4, a.size());
      assertEquals(a, b);
    }
  }
}
