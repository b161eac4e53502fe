package org.scrl4j.data;

/**
 * How an {@link InputPipeline} reads: per-process batch, this process's rank in a world of
 * processes, the run seed, training (reshuffled, padded, full batches only) or evaluation (index
 * order, every image once, last batch partial), parallel map calls, batches prefetched, and whether
 * undecodable records are skipped (with a warning per epoch) instead of stopping the run.
 */
public record PipelineOptions(int batchSize, int rank, int world, long seed, boolean training,
    int parallelCalls, int prefetchBatches, boolean skipCorrupt) {

  public PipelineOptions {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size " + batchSize + " must be at least 1");
    }
    if (world < 1 || rank < 0 || rank >= world) {
      throw new IllegalArgumentException("rank " + rank + " outside world of " + world);
    }
    if (parallelCalls < 1 || prefetchBatches < 1) {
      throw new IllegalArgumentException("parallelCalls and prefetchBatches must be at least 1");
    }
  }

  /** Training reading with one map call per core and two batches prefetched. */
  public static PipelineOptions training(int batchSize, int rank, int world, long seed) {
    return new PipelineOptions(batchSize, rank, world, seed, true, cores(), 2, false);
  }

  /** Evaluation reading (no shuffle, every image exactly once). */
  public static PipelineOptions evaluation(int batchSize, int rank, int world) {
    return new PipelineOptions(batchSize, rank, world, 0, false, cores(), 2, false);
  }

  public PipelineOptions withSkipCorrupt(boolean skip) {
    return new PipelineOptions(batchSize, rank, world, seed, training, parallelCalls,
        prefetchBatches, skip);
  }

  public PipelineOptions withParallelCalls(int calls) {
    return new PipelineOptions(batchSize, rank, world, seed, training, calls, prefetchBatches,
        skipCorrupt);
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }
}
