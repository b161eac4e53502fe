package org.scrl4j.data.augment;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Case;
import org.tensorflow.op.core.StatelessCase;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * Image ops chosen per image at run time, of which only the chosen one runs.
 *
 * <p>Why: a choice made by a select computes every alternative and keeps one. The augmentation has
 * many such choices (the order of the four colour-jitter stages, jitter p = 0.8, greyscale p =
 * 0.2, blur, solarize), so it computed four hue rotations per view where torchvision computes at
 * most one, and every grey, blur and solarised image whether used or not. Each branch here is a
 * graph function and a {@code StatelessCase} calls only the one its index names; the random draws
 * that pick the branch and its factors stay outside, so the streams of {@link RandomStreams} and
 * the chosen branch's arithmetic are exactly those of the select form.
 */
final class ImageBranches {
  /** One alternative: the image and the extra arguments in, an image of the same shape out. */
  @FunctionalInterface
  interface Branch {
    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> image, List<Operand<?>> args);
  }

  private static final Branch IDENTITY = (tf, image, args) -> tf.identity(image);

  private ImageBranches() {}

  /**
   * {@code branches[index](image, args)}, running only that branch.
   *
   * @param index int32 scalar in [0, branches.size()); out of range runs the last branch (Case)
   */
  static Operand<TFloat32> oneOf(Ops tf, Operand<TInt32> index, Operand<TFloat32> image,
      List<Operand<?>> args, List<Branch> branches) {
    Shape shape = image.shape();
    List<ConcreteFunction> functions = new ArrayList<>();
    try {
      for (Branch b : branches) {
        functions.add(ConcreteFunction.create(ftf -> signature(ftf, shape, args, b)));
      }
      List<Operand<?>> inputs = new ArrayList<>();
      inputs.add(image);
      inputs.addAll(args);
      List<Class<? extends TType>> outTypes = List.of(TFloat32.class);
      // The op copies the functions into the graph's library; the Java objects can go.
      StatelessCase c = tf.statelessCase(index, inputs, outTypes, functions,
          Case.outputShapes(List.of(shape)));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> out = (Operand<TFloat32>) c.output().get(0);
      return out;
    } finally {
      functions.forEach(ConcreteFunction::close);
    }
  }

  /** {@code cond ? branch(image, args) : image}, running the branch only when cond holds. */
  static Operand<TFloat32> when(Ops tf, Operand<TBool> cond, Operand<TFloat32> image,
      List<Operand<?>> args, Branch branch) {
    return oneOf(tf, tf.dtypes.cast(cond, TInt32.class), image, args, List.of(IDENTITY, branch));
  }

  /** The i-th extra argument inside a branch, typed. */
  @SuppressWarnings("unchecked")
  static <T extends TType> Operand<T> arg(List<Operand<?>> args, int i) {
    return (Operand<T>) args.get(i);
  }

  private static Signature signature(Ops tf, Shape imageShape, List<Operand<?>> args, Branch b) {
    Placeholder<TFloat32> image = tf.placeholder(TFloat32.class, Placeholder.shape(imageShape));
    Signature.Builder sig = Signature.builder("image_branch").input("image", image);
    List<Operand<?>> params = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      Operand<?> a = args.get(i);
      Placeholder<?> p = tf.placeholder(a.type(), Placeholder.shape(a.shape()));
      params.add(p);
      sig.input("arg" + i, p);
    }
    return sig.output("image", b.apply(tf, image, params)).build();
  }
}
