package org.scrl4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What one forward pass needs besides the weights: the {@code Ops} scope ops are created in,
 * the batch-norm mode (training: batch statistics + running-stat updates; inference: running
 * statistics), how batch moments are computed (local or synchronised), and where the running-stat
 * update ops and a layer log (for {@code method.GraphSummary}) are collected. Child contexts made with
 * {@link #in(String)} share the mode and the collections.
 */
public final class ForwardContext {

  /** One named layer of the network: its output and the number of parameters it owns. */
  public record Layer(String name, Operand<TFloat32> output, long params) {}

  private final Ops tf;
  private final boolean training;
  private final BatchMoments moments;
  private final boolean fusedBatchNorm;
  private final List<Op> bnUpdates;
  private final List<Layer> layers;
  private final String path;

  private ForwardContext(Ops tf, boolean training, BatchMoments moments, boolean fusedBatchNorm,
      List<Op> bnUpdates, List<Layer> layers, String path) {
    this.tf = tf;
    this.training = training;
    this.moments = moments;
    this.fusedBatchNorm = fusedBatchNorm;
    this.bnUpdates = bnUpdates;
    this.layers = layers;
    this.path = path;
  }

  /** Training mode: BN normalises with batch moments and emits running-stat update ops. */
  public static ForwardContext training(Ops tf, BatchMoments moments) {
    return new ForwardContext(tf, true, moments, false, new ArrayList<>(), new ArrayList<>(), "");
  }

  /**
   * Training mode with TensorFlow's fused batch-norm kernel ({@link FusedBatchNorm}): local batch
   * moments only, computed inside the kernel. What mixed precision trains with.
   */
  public static ForwardContext trainingFused(Ops tf) {
    return new ForwardContext(tf, true, null, true, new ArrayList<>(), new ArrayList<>(), "");
  }

  /** Training mode with local (per-replica) batch moments. */
  public static ForwardContext training(Ops tf) {
    return training(tf, BatchMoments.LOCAL);
  }

  /** Inference mode: BN uses the running statistics; no update ops. */
  public static ForwardContext inference(Ops tf) {
    return new ForwardContext(tf, false, BatchMoments.LOCAL, false, new ArrayList<>(), new ArrayList<>(), "");
  }

  /** A child context whose ops are created under the sub-scope {@code name}. */
  public ForwardContext in(String name) {
    return new ForwardContext(tf.withSubScope(name), training, moments, fusedBatchNorm, bnUpdates, layers,
        path.isEmpty() ? name : path + "/" + name);
  }

  public Ops tf() {
    return tf;
  }

  public boolean training() {
    return training;
  }

  /** How training-mode batch norm gets its moments; null with the fused kernel. */
  public BatchMoments moments() {
    return moments;
  }

  /** True when training-mode batch norm runs TensorFlow's fused kernel ({@link FusedBatchNorm}). */
  public boolean fusedBatchNorm() {
    return fusedBatchNorm;
  }

  /** The logical path of this context ("" at the root), used to name logged layers. */
  public String path() {
    return path;
  }

  /** BN running-stat update ops created so far (training mode); run them with each training step. */
  public List<Op> bnUpdates() {
    return Collections.unmodifiableList(bnUpdates);
  }

  void addUpdate(Op op) {
    bnUpdates.add(op);
  }

  /** Layers logged so far, in build order. */
  public List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  /** Logs a layer named {@code path()/name}. */
  public void log(String name, Operand<TFloat32> output, long params) {
    layers.add(new Layer(path.isEmpty() ? name : path + "/" + name, output, params));
  }
}
