package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.model.GraphRewrites;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.proto.ServerDef;

class DistContextTest {

  @Test
  void serverDefListsEveryRankAndLeadsCollectivesFromRankZero() {
    DistSettings s = DistSettings.parse(2, 1, 2, 1, "tcp://10.0.0.1:5000", "GPU");
    List<String> addresses = List.of("10.0.0.1:5001", "10.0.0.1:5002", "10.0.0.2:5003", "10.0.0.2:5004");
    ServerDef def = DistContext.serverDef(s, addresses);
    assertEquals(3, def.getTaskIndex());
    assertEquals("worker", def.getJobName());
    assertEquals("10.0.0.2:5003", def.getCluster().getJob(0).getTasksMap().get(2));
    assertEquals(4, def.getCluster().getJob(0).getTasksCount());
    ConfigProto c = def.getDefaultSessionConfig();
    assertEquals("/job:worker/replica:0/task:0", c.getExperimental().getCollectiveGroupLeader());
    // Unplaced ops must stay on this task, never land on task 0.
    assertEquals(List.of("/job:worker/task:3"), c.getDeviceFiltersList());
    assertEquals("1", c.getGpuOptions().getVisibleDeviceList());
    // Ranks run the same deterministic rewrites as one process (GraphRewrites).
    assertEquals(RewriterConfig.Toggle.OFF, c.getGraphOptions().getRewriteOptions().getArithmeticOptimization());
  }

  @Test
  void aWorldOfOneNeedsNoServerAndReducesToIdentity() {
    try (DistContext ctx = DistContext.start(DistSettings.single())) {
      assertEquals(0, ctx.rank());
      assertEquals(1, ctx.world());
      assertEquals("", ctx.device());
      assertEquals(GraphRewrites.cpu(), ctx.sessionConfig());
      ctx.barrier();
    }
  }

  /** The errors a killed peer causes keep the peer probe going; others (a NaN, a bad shape) do not. */
  @Test
  void connectionFailuresAreRecognisedAsPossiblyLostPeers() {
    // from rank 0 of MultiHostNamespaceTest 0.5 s after rank 1 was killed
    assertTrue(DistContext.looksLikeLostPeer("From /job:worker/replica:0/task:0:\nCollective ops is aborted by:"
        + " Socket closed\nAdditional GRPC error information from remote target /job:worker/replica:0/task:1"
        + " while calling /tensorflow.WorkerService/RecvBuf:\n:{\"description\":\"Error received from peer"
        + " ipv4:10.213.0.2:33327\",\"grpc_message\":\"Socket closed\",\"grpc_status\":14}"));
    assertTrue(DistContext.looksLikeLostPeer("Aborting RingReduce with UNAVAILABLE: Connection reset by peer"));
    assertFalse(DistContext.looksLikeLostPeer("Incompatible shapes: [2,3] vs. [2,4]"));
  }
}
