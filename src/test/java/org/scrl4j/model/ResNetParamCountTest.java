package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

class ResNetParamCountTest {

  /** Trainable counts of torchvision's models without fc (sum of p.numel() over parameters()). */
  @ParameterizedTest
  @CsvSource({"resnet18, 11176512", "resnet34, 21284672", "resnet50, 23508032", "resnet101, 42500160"})
  void trainableCountsMatchTorchvision(String arch, long expected) {
    try (Graph g = new Graph()) {
      ParamStore store = new ParamStore(Ops.create(g));
      ResNet.create(store, "online/backbone", ResNetSpec.of(arch));
      assertEquals(expected, store.count("online/backbone", true));
    }
  }

  @Test
  void headsCountLikeTorch() {
    try (Graph g = new Graph()) {
      ParamStore store = new ParamStore(Ops.create(g));
      ByolNetwork.online(store, ResNetSpec.of("resnet50"), ByolNetwork.HeadSpec.PAPER);
      // Linear(2048,4096)+bias, BN(4096) gamma/beta, Linear(4096,256) no bias
      assertEquals(2048L * 4096 + 4096 + 2 * 4096 + 4096L * 256, store.count("online/projector", true));
      assertEquals(256L * 4096 + 4096 + 2 * 4096 + 4096L * 256, store.count("online/predictor", true));
      assertEquals(2 * 4096, store.count("online/projector", false) - store.count("online/projector", true));
    }
  }
}
