package org.scrl4j.data.augment;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Case;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.StatelessCase;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * Image ops chosen per image at run time, each image running only its chosen op: for one image (a
 * scalar index) or for a batch (one index per image).
 *
 * <p>Why only the chosen one: a choice made by a select computes every alternative and keeps one.
 * The augmentation has many such choices (the order of the four colour-jitter stages, jitter p =
 * 0.8, greyscale p = 0.2, blur, solarize); torchvision computes at most one hue rotation per jitter
 * stage, and so does this.
 *
 * <p>One image: each branch is a graph function and a {@code StatelessCase} calls the one the
 * index names (inside the tf.data map, where large views are finished image by image). A batch:
 * one DynamicPartition of the batch by the images' indices, each branch once on its part, a
 * DynamicStitch back into order. The batch form pays two copies per choice but its op overhead
 * once per batch instead of once per image, which is what small views cost ({@link
 * PhotometricAugment#PER_BATCH_MAX_SIZE}).
 */
final class Branches {
  /**
   * One alternative: an image [S, S, 3] and its arguments, or images [n, S, S, 3] and per-image
   * arguments [n, ...]; the same shape out.
   */
  @FunctionalInterface
  interface Branch {
    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> images, List<Operand<?>> args);
  }

  static final Branch IDENTITY = (tf, images, args) -> tf.identity(images);

  private Branches() {}

  /**
   * {@code branches[index](image, args)}, or {@code branches[index[i]](images[i], args[i])} for
   * every image i of a batch.
   *
   * @param index int32 scalar for one image, int32 [n] for a batch; each in [0, branches.size())
   */
  static Operand<TFloat32> oneOf(Ops tf, Operand<TInt32> index, Operand<TFloat32> images,
      List<Operand<?>> args, List<Branch> branches) {
    return index.shape().numDimensions() == 0
        ? oneImage(tf, index, images, args, branches)
        : batch(tf, index, images, args, branches);
  }

  /** {@code cond ? branch(image, args) : image}, per image. */
  static Operand<TFloat32> when(Ops tf, Operand<TBool> cond, Operand<TFloat32> images,
      List<Operand<?>> args, Branch branch) {
    return oneOf(tf, tf.dtypes.cast(cond, TInt32.class), images, args, List.of(IDENTITY, branch));
  }

  /** The i-th argument inside a branch, typed. */
  @SuppressWarnings("unchecked")
  static <T extends TType> Operand<T> arg(List<Operand<?>> args, int i) {
    return (Operand<T>) args.get(i);
  }

  private static Operand<TFloat32> oneImage(Ops tf, Operand<TInt32> index, Operand<TFloat32> image,
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
      // The op copies the functions into the graph's library; the Java objects can go.
      StatelessCase c = tf.statelessCase(index, inputs, List.of(TFloat32.class), functions,
          Case.outputShapes(List.of(shape)));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> out = (Operand<TFloat32>) c.output().get(0);
      return out;
    } finally {
      functions.forEach(ConcreteFunction::close);
    }
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

  private static Operand<TFloat32> batch(Ops tf, Operand<TInt32> index, Operand<TFloat32> images,
      List<Operand<?>> args, List<Branch> branches) {
    long n = branches.size();
    Operand<TInt32> positions = tf.range(tf.constant(0), tf.size(index), tf.constant(1));
    List<Output<TInt32>> where = tf.dynamicPartition(positions, index, n).outputs();
    List<Output<TFloat32>> parts = tf.dynamicPartition(images, index, n).outputs();
    List<List<Operand<?>>> partArgs = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      partArgs.add(new ArrayList<>());
    }
    for (Operand<?> a : args) {
      List<? extends Output<?>> split = partition(tf, a, index, n);
      for (int b = 0; b < n; b++) {
        partArgs.get(b).add(split.get(b));
      }
    }
    List<Operand<TInt32>> indices = new ArrayList<>();
    List<Operand<TFloat32>> outputs = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      indices.add(where.get(b));
      outputs.add(branches.get(b).apply(tf, parts.get(b), partArgs.get(b)));
    }
    Operand<TFloat32> stitched = tf.dynamicStitch(indices, outputs);
    return images.shape().hasUnknownDimension()
        ? stitched
        : tf.ensureShape(stitched, images.shape());
  }

  private static <T extends TType> List<Output<T>> partition(Ops tf, Operand<T> a,
      Operand<TInt32> index, long n) {
    return tf.dynamicPartition(a, index, n).outputs();
  }
}
