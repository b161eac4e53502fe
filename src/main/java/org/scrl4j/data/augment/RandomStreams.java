package org.scrl4j.data.augment;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Independent stateless random streams derived from one per-element seed.
 *
 * <p>The element seed (int64 [2]) is hashed once through Philox into {@code count} fresh seeds, so
 * stream k of element e never overlaps stream j of element e' even when the caller's seeds are
 * consecutive integers (adding k to a seed would make element e's stream k equal element e+k's
 * stream 0).
 */
public final class RandomStreams {
  private final Ops tf;
  private final Operand<TInt64> seeds; // [count, 2]
  private final int count;
  private int next;

  public RandomStreams(Ops tf, Operand<TInt64> seed, int count) {
    this.tf = tf;
    this.count = count;
    this.seeds =
        tf.random.statelessRandomUniformFullInt(tf.constant(new int[] {count, 2}), seed, TInt64.class);
  }

  /** The next unused seed, int64 [2]. */
  public Operand<TInt64> nextSeed() {
    if (next >= count) {
      throw new IllegalStateException("only " + count + " random streams were reserved");
    }
    return tf.gather(seeds, tf.constant(next++), tf.constant(0));
  }

  /** A float64 tensor of the given shape, uniform in [0, 1), from the next stream. */
  public Operand<TFloat64> uniform(long... shape) {
    return uniform(tf, nextSeed(), shape);
  }

  /** Uniform [0, 1) float64 values from an explicit seed. */
  public static Operand<TFloat64> uniform(Ops tf, Operand<TInt64> seed, long... shape) {
    return tf.random.statelessRandomUniform(tf.constant(shape), seed, TFloat64.class);
  }
}
