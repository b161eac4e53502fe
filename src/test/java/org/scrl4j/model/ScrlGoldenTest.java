package org.scrl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The SCRL path of {@link ByolNetwork#forward} with boxes (backbone layer4 -> RoIAlign 1x1, scale
 * 1/32, adaptive sampling, not aligned -> projector -> predictor) against torchvision, with the
 * target a copy of the online network (its variables loaded from the same keys).
 */
class ScrlGoldenTest {

  @Test
  void roiPathMatchesTorchvision() throws Exception {
    Path dir = Path.of(ScrlGoldenTest.class.getResource("/golden/model/").toURI());
    Map<String, NpyArray> c = Npz.read(dir.resolve("case_scrl_r18w4.npz"));
    Map<String, NpyArray> gold = Npz.read(dir.resolve("golden_scrl_r18w4.npz"));
    long[] vs = c.get("views").shape();
    ResNetSpec spec = ResNetSpec.of("resnet18", 4);
    ByolNetwork.HeadSpec heads = new ByolNetwork.HeadSpec(32, 32);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      ParamStore store = new ParamStore(tf);
      ByolNetwork online = ByolNetwork.online(store, spec, heads);
      ByolNetwork target = ByolNetwork.target(store, spec, heads);
      Placeholder<TFloat32> images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, vs[2], vs[3], 3)));
      Placeholder<TFloat32> boxes = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 5)));
      ForwardContext ctx = ForwardContext.training(tf);
      ByolNetwork.Activations on = online.forward(ctx, images, boxes);
      ByolNetwork.Activations tg = target.forward(ctx, images, boxes);
      Operand<TFloat32> onlineRoi = on.roi();
      Operand<TFloat32> onlineProj = on.projection();
      Operand<TFloat32> pred = on.prediction();
      Operand<TFloat32> targetProj = tg.projection();
      Operand<TFloat32> loss = ByolGoldenTest.byolLoss(tf, pred, targetProj);
      List<ParamStore.Param> trainable = store.trainable("online");
      Output<?>[] grads = g.addGradients(loss.asOutput(),
          trainable.stream().map(p -> p.value().asOutput()).toArray(Output<?>[]::new));
      // the target is a copy: bind its scopes to the online keys
      List<WeightIO.Binding> bindings = List.of(new WeightIO.Binding("online/backbone", ""),
          new WeightIO.Binding("online/projector", "projector."), new WeightIO.Binding("online/predictor", "predictor."),
          new WeightIO.Binding("target/backbone", ""), new WeightIO.Binding("target/projector", "projector."));
      try (Session s = new Session(g);
          TFloat32 in = TensorValues.tensor(ByolGoldenTest.nchwToNhwc(c.get("views").floats(), vs), vs[0], vs[2], vs[3], vs[1]);
          TFloat32 bx = TensorValues.tensor(c.get("boxes").floats(), c.get("boxes").shape())) {
        WeightIO.load(s, store, c, bindings, k -> List.of("views", "boxes", "info_json").contains(k), "case_scrl_r18w4");
        Session.Runner r = s.runner().feed(images, in).feed(boxes, bx)
            .fetch(onlineRoi).fetch(onlineProj).fetch(pred).fetch(targetProj).fetch(loss);
        for (Output<?> gr : grads) {
          r.fetch(gr);
        }
        float[][] got = new float[5 + grads.length][];
        try (Result res = r.run()) {
          for (int k = 0; k < got.length; k++) {
            got[k] = TensorValues.floats(res.get(k));
          }
        }
        assertEquals(16 * spec.featureDim(), got[0].length);
        ByolGoldenTest.assertMaxRel("online/roi", got[0], gold.get("online/roi").floats(), 1e-4);
        ByolGoldenTest.assertMaxRel("online/proj", got[1], gold.get("online/proj").floats(), 1e-4);
        ByolGoldenTest.assertMaxRel("online/pred", got[2], gold.get("online/pred").floats(), 1e-4);
        ByolGoldenTest.assertMaxRel("target/proj", got[3], gold.get("target/proj").floats(), 1e-4);
        ByolGoldenTest.assertMaxRel("loss", got[4], gold.get("loss").floats(), 1e-4);
        for (int k = 0; k < trainable.size(); k++) {
          ParamStore.Param p = trainable.get(k);
          String key = (p.scope().endsWith("projector") ? "projector." : p.scope().endsWith("predictor") ? "predictor." : "")
              + p.key();
          float[] want = gold.get("grad/" + key).floats();
          float[] mine = WeightIO.toTorch(p, got[5 + k]).floats();
          if (key.endsWith("net.0.bias")) {
            ByolGoldenTest.assertMaxAbs("grad/" + key, mine, want, 1e-6);
          } else {
            ByolGoldenTest.assertNormRel("grad/" + key, mine, want, 1e-3);
          }
        }
      }
    }
  }
}
