package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

class ResNetTest {

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

  /** torch output sizes floor((H + 2p - k) / s) + 1 on an odd input: 225 -> 113 -> 57 -> 29 -> 15 -> 8. */
  @ParameterizedTest
  @CsvSource({"resnet18, 225, 57, 29, 15, 8", "resnet50, 225, 57, 29, 15, 8", "resnet50, 224, 56, 28, 14, 7",
      "resnet34, 65, 17, 9, 5, 3"})
  void stageSizesFollowTorchPadding(String arch, int size, long c2, long c3, long c4, long c5) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      ParamStore store = new ParamStore(tf);
      ResNet net = ResNet.create(store, "online/backbone", ResNetSpec.of(arch, 8));
      var images = tf.placeholder(org.tensorflow.types.TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, size, size, 3)));
      ResNet.Endpoints e = net.apply(ForwardContext.inference(tf), images);
      long ch = ResNetSpec.of(arch, 8).stageChannels(0);
      assertArrayEquals(new long[] {-1, c2, c2, ch}, e.c2().shape().asArray());
      assertArrayEquals(new long[] {-1, c3, c3, 2 * ch}, e.c3().shape().asArray());
      assertArrayEquals(new long[] {-1, c4, c4, 4 * ch}, e.c4().shape().asArray());
      assertArrayEquals(new long[] {-1, c5, c5, 8 * ch}, e.c5().shape().asArray());
      assertArrayEquals(new long[] {-1, 8 * ch}, e.pooled().shape().asArray());
    }
  }
}
