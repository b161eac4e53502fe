package org.scrl4j.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Opt-in timing of a BYOL forward+backward (online + target, training-mode BN, BN updates):
 * {@code mvn -B -o test -Dtest=ResNetStepBench -Dscrl.bench=resnet50,4,224,5} (arch, batch, size,
 * steps). Prints img/s; asserts nothing about time.
 */
class ResNetStepBench {

  @Test
  void step() {
    String conf = System.getProperty("scrl.bench");
    assumeTrue(conf != null, "set -Dscrl.bench=arch,batch,size,steps to run");
    String[] c = conf.split(",");
    int batch = Integer.parseInt(c[1]);
    int size = Integer.parseInt(c[2]);
    int steps = Integer.parseInt(c[3]);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      ParamStore store = new ParamStore(tf);
      ResNetSpec spec = ResNetSpec.of(c[0]);
      ByolNetwork online = ByolNetwork.online(store, spec, ByolNetwork.HeadSpec.PAPER);
      ByolNetwork target = ByolNetwork.target(store, spec, ByolNetwork.HeadSpec.PAPER);
      Operand<TFloat32> images = tf.random.statelessRandomNormal(
          tf.constant(new long[] {batch, size, size, 3}), tf.constant(new long[] {1, 2}));
      ForwardContext ctx = ForwardContext.training(tf);
      ByolNetwork.Activations on = online.forward(ctx, images);
      ByolNetwork.Activations tg = target.forward(ctx, images);
      Operand<TFloat32> loss = ByolGoldenTest.byolLoss(tf, on.prediction(), tg.projection());
      List<ParamStore.Param> trainable = store.trainable("online");
      Output<?>[] grads = g.addGradients(loss.asOutput(),
          trainable.stream().map(p -> p.value().asOutput()).toArray(Output<?>[]::new));
      store.initialize(s, 0);
      for (int i = 0; i <= steps; i++) {
        long t0 = System.nanoTime();
        Session.Runner r = s.runner().fetch(loss);
        for (Output<?> gr : grads) {
          r.addTarget(gr.op());
        }
        ctx.bnUpdates().forEach(r::addTarget);
        r.run().close();
        double sec = (System.nanoTime() - t0) / 1e9;
        System.err.printf("BENCH %s batch %d size %d step %d: %.2f s, %.2f img/s%s%n", c[0], batch, size, i, sec,
            batch / sec, i == 0 ? " (warm-up)" : "");
      }
    }
  }
}
