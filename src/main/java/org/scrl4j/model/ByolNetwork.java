package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * One BYOL/SCRL branch: a ResNet backbone, a projector and (online branch only) a predictor, with
 * variables under {@code <branch>/backbone}, {@code <branch>/projector}, {@code <branch>/predictor}.
 * {@link #forward} is the branch's one forward pass, used by training, {@code verify-step} and
 * the graph summary alike: BYOL projects the pooled image feature, SCRL the RoI features of
 * layer4 at the boxes.
 */
public final class ByolNetwork {

  /**
   * RoIAlign on layer4 as the original's SCRL config (and the SPEC): one 1x1 bin per box, layer4's
   * stride 32, adaptive sampling, not aligned. Defined here only, so every graph pools the same way.
   */
  public static final int ROI_OUTPUT_SIZE = 1;
  public static final float ROI_SPATIAL_SCALE = 1f / 32;
  public static final int ROI_SAMPLING_RATIO = -1;
  public static final boolean ROI_ALIGNED = false;

  /** Sizes of the heads: projector featureDim -> hidden -> out, predictor out -> hidden -> out. */
  public record HeadSpec(long hidden, long out) {
    /** The paper's heads: 4096 hidden, 256 out. */
    public static final HeadSpec PAPER = new HeadSpec(4096, 256);
  }

  /**
   * What one branch's forward computes: the backbone's endpoints, the RoI features [K, C] (SCRL;
   * null for BYOL), the projection, and the prediction (null for the target branch).
   */
  public record Activations(ResNet.Endpoints backbone, Operand<TFloat32> roi, Operand<TFloat32> projection,
      Operand<TFloat32> prediction) {

    /** layer4's output, NHWC. */
    public Operand<TFloat32> c5() {
      return backbone.c5();
    }

    /** The global average of layer4 [N, C] (also the evaluator's input under SCRL). */
    public Operand<TFloat32> pooled() {
      return backbone.pooled();
    }
  }

  private final String branch;
  private final ResNet backbone;
  private final MlpHead projector;
  private final MlpHead predictor;

  private ByolNetwork(String branch, ResNet backbone, MlpHead projector, MlpHead predictor) {
    this.branch = branch;
    this.backbone = backbone;
    this.projector = projector;
    this.predictor = predictor;
  }

  /**
   * Creates the variables of branch {@code branch} ("online" or "target"); the predictor only when
   * {@code withPredictor} (the online branch).
   */
  public static ByolNetwork create(ParamStore store, String branch, ResNetSpec arch, HeadSpec heads,
      boolean withPredictor) {
    ResNet backbone = ResNet.create(store, branch + "/backbone", arch);
    MlpHead projector = MlpHead.create(store, branch + "/projector", arch.featureDim(), heads.hidden(), heads.out());
    MlpHead predictor = withPredictor
        ? MlpHead.create(store, branch + "/predictor", heads.out(), heads.hidden(), heads.out())
        : null;
    return new ByolNetwork(branch, backbone, projector, predictor);
  }

  /** The online branch (backbone + projector + predictor). */
  public static ByolNetwork online(ParamStore store, ResNetSpec arch, HeadSpec heads) {
    return create(store, "online", arch, heads, true);
  }

  /** The target branch (backbone + projector), variables independent of the online ones. */
  public static ByolNetwork target(ParamStore store, ResNetSpec arch, HeadSpec heads) {
    return create(store, "target", arch, heads, false);
  }

  /** The image-level (BYOL) forward: {@link #forward(ForwardContext, Operand, Operand)} without boxes. */
  public Activations forward(ForwardContext ctx, Operand<TFloat32> images) {
    return forward(ctx, images, null);
  }

  /**
   * backbone -> (boxes given: RoIAlign of layer4 at the boxes | else: global pool) -> projector
   * [-> predictor], on NHWC images, ops under {@code ctx.in(branch)}; in a training context, BN
   * updates are collected in {@code ctx}.
   *
   * @param boxes [K, 5] = (batch_idx, x1, y1, x2, y2) in input pixels, or null for BYOL
   */
  public Activations forward(ForwardContext ctx, Operand<TFloat32> images, Operand<TFloat32> boxes) {
    ForwardContext c = ctx.in(branch);
    ResNet.Endpoints e = backbone.apply(c.in("backbone"), images);
    Operand<TFloat32> roi = boxes == null ? null : roiFeatures(c.in("roi"), e.c5(), boxes);
    Operand<TFloat32> z = projector.apply(c.in("projector"), roi == null ? e.pooled() : roi);
    Operand<TFloat32> p = predictor == null ? null : predictor.apply(c.in("predictor"), z);
    return new Activations(e, roi, z, p);
  }

  /** One feature row per box: RoIAlign's [K, 1, 1, C] bins flattened to the projector's [K, C]. */
  private static Operand<TFloat32> roiFeatures(ForwardContext ctx, Operand<TFloat32> c5, Operand<TFloat32> boxes) {
    Ops tf = ctx.tf();
    Operand<TFloat32> bins = RoIAlign.roiAlign(tf, c5, boxes, ROI_OUTPUT_SIZE, ROI_SPATIAL_SCALE,
        ROI_SAMPLING_RATIO, ROI_ALIGNED);
    Operand<TFloat32> roi = tf.reshape(bins, tf.constant(new long[] {-1, c5.shape().get(3)}));
    ctx.log("roi_align " + ROI_OUTPUT_SIZE + "x" + ROI_OUTPUT_SIZE, roi, 0);
    return roi;
  }

  public String branch() {
    return branch;
  }

  public ResNet backbone() {
    return backbone;
  }

  public MlpHead projector() {
    return projector;
  }

  /** The predictor, or null for a target branch. */
  public MlpHead predictor() {
    return predictor;
  }
}
