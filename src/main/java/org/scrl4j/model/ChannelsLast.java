package org.scrl4j.model;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;

/**
 * The static facts a per-channel reduction needs about a channels-last tensor [..., W, C]: its rank,
 * its row length W (rank 4) and its channel count C. Read from the static shape when a graph is
 * built; carried explicitly into gradient functions, where TensorFlow holds the graph's lock and a
 * shape query would deadlock.
 */
public record ChannelsLast(int rank, long rowLength, long channels) {

  /** The layout of {@code x}, whose rank and channel count must be known. */
  public static ChannelsLast of(Operand<?> x) {
    Shape s = x.shape();
    int rank = s.numDimensions();
    if (rank < 2 || s.get(rank - 1) < 0) {
      throw new IllegalArgumentException("per-channel reduction needs [..., C] input with a known C, got shape " + s);
    }
    return new ChannelsLast(rank, rank > 2 ? s.get(rank - 2) : 1, s.get(rank - 1));
  }

  /** Sums along W first: rank 4 with rows longer than one value (W unknown counts as long). */
  boolean sumsRowsFirst() {
    return rank > 2 && rowLength != 1;
  }
}
