package org.scrl4j.data;

import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * Which images a process reads in an epoch, and in which order, computed on the host so every
 * process derives the same global order from (seed, epoch) alone.
 *
 * <p>Training (as PyTorch's DistributedSampler): a permutation of all n images drawn from
 * (seed, epoch), padded by repeating its head to a multiple of the world size, dealt round-robin:
 * rank r takes positions r, r + w, r + 2w, ... Every rank gets ceil(n / w) images, so all ranks run
 * the same number of steps; the shards are disjoint except for the at most w - 1 padding repeats.
 *
 * <p>Evaluation: the images in index order, dealt round-robin without padding, so the shards are
 * disjoint and cover every image exactly once (ranks may differ by one image).
 */
public final class EpochPlan {
  private EpochPlan() {}

  /** Global image indices read by {@code rank} in {@code epoch}, in reading order. */
  public static int[] shard(int n, int rank, int world, long seed, long epoch, boolean training) {
    if (world < 1 || rank < 0 || rank >= world) {
      throw new IllegalArgumentException("rank " + rank + " outside world of " + world);
    }
    if (!training) {
      int count = n / world + (rank < n % world ? 1 : 0);
      int[] out = new int[count];
      for (int k = 0; k < count; k++) {
        out[k] = rank + k * world;
      }
      return out;
    }
    int[] order = permutation(n, seed, epoch);
    int per = (n + world - 1) / world;
    int[] out = new int[per];
    for (int k = 0; k < per; k++) {
      out[k] = order[(rank + k * world) % n];
    }
    return out;
  }

  /** Length of {@link #shard} without computing it. */
  public static int shardSize(int n, int rank, int world, boolean training) {
    return training ? (n + world - 1) / world : n / world + (rank < n % world ? 1 : 0);
  }

  /** A uniformly random permutation of 0..n-1 determined by (seed, epoch) only. */
  public static int[] permutation(int n, long seed, long epoch) {
    return permutation(n, new SplittableRandom(mix(seed, epoch))::nextInt);
  }

  /**
   * Fisher-Yates over 0..n-1 drawing from {@code below} (given k, a uniform int in [0, k)); one
   * shuffle for every random source, so a source's stream alone decides the order.
   */
  public static int[] permutation(int n, IntUnaryOperator below) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = below.applyAsInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  // Distinct (seed, epoch) pairs must give unrelated streams; a SplitMix64 finaliser over both does.
  static long mix(long seed, long epoch) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
