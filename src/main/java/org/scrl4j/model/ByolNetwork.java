package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * One BYOL/SCRL branch: a ResNet backbone, a projector and (online branch only) a predictor, with
 * variables under {@code <branch>/backbone}, {@code <branch>/projector}, {@code <branch>/predictor}.
 * {@link #forward} runs the image-level (BYOL) path; SCRL feeds RoI features of
 * {@link ResNet.Endpoints#c5()} to {@link #projector()} / {@link #predictor()} itself.
 */
public final class ByolNetwork {

  /** Sizes of the heads: projector featureDim -> hidden -> out, predictor out -> hidden -> out. */
  public record HeadSpec(long hidden, long out) {
    /** The paper's heads: 4096 hidden, 256 out. */
    public static final HeadSpec PAPER = new HeadSpec(4096, 256);
  }

  /** Endpoints of the image-level path; {@code prediction} is null without a predictor. */
  public record Output(ResNet.Endpoints backbone, Operand<TFloat32> projection, Operand<TFloat32> prediction) {}

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

  /**
   * Backbone -> global pool -> projector [-> predictor] on NHWC images, ops under
   * {@code ctx.in(branch)}; in a training context, BN updates are collected in {@code ctx}.
   */
  public Output forward(ForwardContext ctx, Operand<TFloat32> images) {
    ForwardContext c = ctx.in(branch);
    ResNet.Endpoints e = backbone.apply(c.in("backbone"), images);
    Operand<TFloat32> z = projector.apply(c.in("projector"), e.pooled());
    Operand<TFloat32> p = predictor == null ? null : predictor.apply(c.in("predictor"), z);
    return new Output(e, z, p);
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
