package org.scrl4j.model;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * relu(x) = max(x, 0), built so that its backward pass reads its output y rather than its input x.
 *
 * <p>Why: the gradient TensorFlow's C++ library gives Relu (the one {@code Graph.addGradients}
 * uses) is ReluGrad(dy, x), so every ReLU's input stays in memory until the backward pass, beside
 * its output, which is kept anyway (the next convolution's filter gradient reads it). torch's
 * in-place ReLU keeps only the output. dy * (x > 0) = dy * (y > 0), so reading y is the same
 * gradient, exactly. TF Java cannot replace a gradient TF already has, so the ReLU is written as
 * ReluGrad(x, stopGradient(x)) = x * (x > 0), the same values as relu for every finite x (a
 * negative x gives -0 instead of +0, which equals 0 in every later op), and ReluGrad, which has
 * no gradient in TF, gets {@link #gradient}. On a ResNet-50 SCRL step (batch 8, 224 px) this is
 * one activation per ReLU less at the peak: see the commit that made it.
 */
public final class Relu {
  private static final boolean OUTPUT_GRADIENT = register();

  private Relu() {}

  /** max(x, 0), differentiable with a backward pass that keeps only the output. */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    return OUTPUT_GRADIENT ? tf.nn.reluGrad(x, tf.stopGradient(x)) : tf.nn.relu(x);
  }

  /**
   * The gradient of ReluGrad(g, f) = g * (f > 0): dy * (f > 0) for g, and 0 for f (its derivative
   * almost everywhere, as TensorFlow's own second derivative of ReLU takes it). When f is
   * stopGradient(g), as {@link #apply} builds it, (f > 0) is read from the op's output instead:
   * y > 0 exactly where g > 0, so f need not be kept; f's zeros then meet the stop-gradient and
   * nothing runs them. (TF Java 1.1.0 cannot return "no gradient" from Java, hence the zeros.)
   */
  static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> dy) {
    @SuppressWarnings("unchecked")
    Output<TFloat32> up = (Output<TFloat32>) dy.get(0);
    Output<?> g = op.input(0);
    @SuppressWarnings("unchecked")
    Output<TFloat32> f = (Output<TFloat32>) op.input(1);
    GraphOperation fOp = (GraphOperation) f.op();
    boolean relu = fOp.type().equals("StopGradient") && sameTensor(fOp.input(0), g);
    List<Operand<?>> grads = new ArrayList<>();
    grads.add(tf.nn.reluGrad(up, relu ? op.<TFloat32>output(0) : f));
    grads.add(tf.zerosLike(f));
    return grads;
  }

  private static boolean sameTensor(Output<?> a, Output<?> b) {
    return a.op().name().equals(b.op().name()) && a.index() == b.index();
  }

  private static boolean register() {
    if (TensorFlow.registerCustomGradient("ReluGrad", Relu::gradient)) {
      return true;
    }
    LogManager.getLogger(Relu.class).warn("TensorFlow already has a gradient for ReluGrad; ReLU "
        + "uses tf.nn.relu, whose backward pass keeps its input (more memory, same values)");
    return false;
  }
}
