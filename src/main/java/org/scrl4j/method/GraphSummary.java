package org.scrl4j.method;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.scrl4j.common.UserError;
import org.scrl4j.model.ByolNetwork;
import org.scrl4j.model.ForwardContext;
import org.scrl4j.model.LinearClassifier;
import org.scrl4j.model.ParamStore;
import org.scrl4j.model.ResNetSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A human-readable summary of the pre-training network graph: a layer table (name, static output
 * shape, parameters), the op-type histogram and parameter totals. It builds the forward pass of
 * one training step with {@link ByolNetwork#forward}, as {@link PretrainStep} does (online +
 * target branches in training mode, online evaluator; SCRL adds RoIAlign on layer4 before both
 * projectors), without gradients or optimizer ops.
 */
public final class GraphSummary {

  /** What to summarise; {@link #paper(String, String)} gives the paper's settings. */
  public record Settings(String arch, int width, String method, int imageSize, long hidden, long out, int classes) {
    public static Settings paper(String arch, String method) {
      return new Settings(arch, 64, method, 224, 4096, 256, 1000);
    }
  }

  private GraphSummary() {}

  /** Builds the graph described by {@code s} and returns its summary text. */
  public static String summarize(Settings s) {
    String method = s.method().toLowerCase(Locale.ROOT);
    if (!method.equals("byol") && !method.equals("scrl")) {
      throw new UserError("unknown method '" + s.method() + "'; use byol or scrl");
    }
    ResNetSpec arch = ResNetSpec.of(s.arch(), s.width());
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      ParamStore store = new ParamStore(tf);
      ByolNetwork.HeadSpec heads = new ByolNetwork.HeadSpec(s.hidden(), s.out());
      ByolNetwork online = ByolNetwork.online(store, arch, heads);
      ByolNetwork target = ByolNetwork.target(store, arch, heads);
      LinearClassifier evaluator = LinearClassifier.create(store, "online/evaluator", arch.featureDim(), s.classes());
      Placeholder<TFloat32> images = tf.withName("images")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s.imageSize(), s.imageSize(), 3)));
      Placeholder<TFloat32> boxes = method.equals("scrl")
          ? tf.withName("boxes").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 5)))
          : null;
      ForwardContext ctx = ForwardContext.training(tf);
      Operand<TFloat32> onlinePooled = online.forward(ctx, images, boxes).pooled();
      target.forward(ctx, images, boxes);
      ForwardContext ec = ctx.in("online").in("evaluator");
      evaluator.apply(ec, ec.tf().stopGradient(onlinePooled));
      return render(s, arch, g, store, ctx);
    }
  }

  private static String render(Settings s, ResNetSpec arch, Graph g, ParamStore store, ForwardContext ctx) {
    StringBuilder sb = new StringBuilder();
    sb.append("# scrl4j network graph: ").append(s.method().toLowerCase(Locale.ROOT)).append(", ").append(arch)
        .append(", input [?,").append(s.imageSize()).append(',').append(s.imageSize()).append(",3] NHWC float32\n");
    sb.append("# heads ").append(arch.featureDim()).append(" -> ").append(s.hidden()).append(" -> ").append(s.out())
        .append(", online evaluator ").append(arch.featureDim()).append(" -> ").append(s.classes()).append(" classes\n");
    sb.append("# forward of one training step (batch-norm in training mode, running-stat updates included);"
        + " no gradient or optimizer ops\n");
    sb.append("# regenerate: tools/scrl graph --arch ").append(s.arch()).append(" --method ")
        .append(s.method().toLowerCase(Locale.ROOT)).append(" --out graphs/").append(fileName(s)).append("\n\n");

    sb.append("## Layers\n");
    int nameWidth = ctx.layers().stream().mapToInt(l -> l.name().length()).max().orElse(10) + 2;
    sb.append(String.format("%-" + nameWidth + "s %-22s %12s%n", "layer", "output", "params"));
    long logged = 0;
    for (ForwardContext.Layer l : ctx.layers()) {
      sb.append(String.format("%-" + nameWidth + "s %-22s %,12d%n", l.name(), shape(l.output().shape()), l.params()));
      logged += l.params();
    }
    sb.append('\n');

    sb.append("## Parameters (trainable / running statistics)\n");
    long total = 0;
    long running = 0;
    for (String scope : List.of("online/backbone", "online/projector", "online/predictor", "online/evaluator",
        "target/backbone", "target/projector")) {
      long t = store.count(scope, true);
      long all = store.count(scope, false);
      if (all == 0) {
        continue;
      }
      sb.append(String.format("%-18s %,14d / %,10d  (%d variables)%n", scope, t, all - t, store.in(scope).size()));
      total += t;
      running += all - t;
    }
    sb.append(String.format("%-18s %,14d / %,10d  (%d variables)%n", "total", total, running, store.all().size()));
    if (logged != total) {
      throw new IllegalStateException("layer table counts " + logged + " parameters, the store " + total);
    }
    sb.append('\n');

    sb.append("## Op types (").append(countOps(g)).append(" ops)\n");
    Map<String, Integer> hist = new TreeMap<>();
    Iterator<GraphOperation> it = g.operations();
    while (it.hasNext()) {
      hist.merge(it.next().type(), 1, Integer::sum);
    }
    hist.forEach((type, n) -> sb.append(String.format("%-24s %6d%n", type, n)));
    return sb.toString();
  }

  /** graphs/ file name for the settings, e.g. resnet50_scrl.txt. */
  public static String fileName(Settings s) {
    return s.arch().toLowerCase(Locale.ROOT) + (s.width() == 64 ? "" : "_w" + s.width()) + "_"
        + s.method().toLowerCase(Locale.ROOT) + ".txt";
  }

  private static int countOps(Graph g) {
    int n = 0;
    Iterator<GraphOperation> it = g.operations();
    while (it.hasNext()) {
      it.next();
      n++;
    }
    return n;
  }

  private static String shape(Shape s) {
    if (s.isUnknown()) {
      return "?";
    }
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < s.numDimensions(); i++) {
      b.append(i > 0 ? "," : "").append(s.get(i) < 0 ? "?" : Long.toString(s.get(i)));
    }
    return b.append(']').toString();
  }
}
