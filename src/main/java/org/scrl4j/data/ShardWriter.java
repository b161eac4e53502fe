package org.scrl4j.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.scrl4j.common.Progress;
import org.scrl4j.common.UserError;

/**
 * Writes n records into {@code <prefix>-NNNNN-of-NNNNN} shards, shard s holding the contiguous
 * records [s n / S, (s + 1) n / S) (as the ImageNet build scripts do), shards in parallel. Each
 * shard is written under a temporary name and renamed when complete, so a shard set never looks
 * complete while it is not.
 */
final class ShardWriter {
  /** Produces the serialized record i; called from several threads, each with its own state. */
  interface Records<S extends AutoCloseable> {
    S newState() throws Exception;

    byte[] record(S state, int i) throws Exception;
  }

  private ShardWriter() {}

  static <S extends AutoCloseable> void write(Path out, String prefix, int n, int shards,
      int threads, Records<S> records, Progress progress) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, shards)));
    ThreadLocal<S> states = new ThreadLocal<>();
    List<S> allStates = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        final int shard = s;
        jobs.add(pool.submit(() -> {
          S state = states.get();
          if (state == null) {
            state = records.newState();
            states.set(state);
            allStates.add(state);
          }
          Path file = out.resolve(String.format("%s-%05d-of-%05d", prefix, shard, shards));
          Path tmp = out.resolve("." + file.getFileName() + ".tmp");
          try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            for (int i = (int) ((long) shard * n / shards);
                i < (int) ((long) (shard + 1) * n / shards); i++) {
              TfRecords.write(os, records.record(state, i));
              progress.advance(1);
            }
          } catch (Exception e) {
            deleteQuietly(tmp);
            throw e;
          }
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          return null;
        }));
      }
      for (Future<?> job : jobs) {
        job.get();
      }
    } catch (ExecutionException e) {
      pool.shutdownNow();
      Throwable cause = e.getCause();
      if (cause instanceof UserError u) {
        throw u;
      }
      throw new UserError("writing " + prefix + " shards to " + out + " failed: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while writing shards to " + out);
    } finally {
      pool.shutdownNow();
      for (S s : allStates) {
        try {
          s.close();
        } catch (Exception ignored) {
          // best effort: closing a per-thread decoder
        }
      }
    }
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // leftover temp file; harmless
    }
  }
}
