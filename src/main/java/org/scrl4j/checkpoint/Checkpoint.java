package org.scrl4j.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/** One complete checkpoint directory: its parsed {@code state.json} and its {@code weights.npz}. */
public final class Checkpoint {
  public static final String WEIGHTS = "weights.npz";
  static final String STATE = "state.json";

  private final Path dir;
  private final CheckpointState state;
  private final long weightsBytes;

  Checkpoint(Path dir, CheckpointState state, long weightsBytes) {
    this.dir = dir;
    this.state = state;
    this.weightsBytes = weightsBytes;
  }

  /** The directory, e.g. {@code runs/scrl_200ep_000/checkpoint_40}. */
  public Path dir() {
    return dir;
  }

  public CheckpointState state() {
    return state;
  }

  /**
   * Reads every stored variable by full TF name (e.g. "online/backbone/conv1.weight"), TF layout,
   * in the order they were saved.
   */
  public Map<String, NpyArray> readWeights() throws IOException {
    Path file = dir.resolve(WEIGHTS);
    long size = Files.size(file);
    if (size != weightsBytes) {
      throw new UserError(file + " has " + size + " bytes but was written with " + weightsBytes
          + "; the checkpoint was modified or truncated, resume from another one");
    }
    return Npz.read(file);
  }

  /**
   * Reads one complete checkpoint directory (also through a symlink such as checkpoint_best).
   *
   * @throws UserError when it is missing or incomplete
   */
  public static Checkpoint open(Path dir) {
    return CheckpointStore.readComplete(dir)
        .orElseThrow(() -> new UserError("no complete checkpoint at " + dir
            + " (needs " + STATE + " and " + WEIGHTS + ")"));
  }

  @Override
  public String toString() {
    return dir + " (epoch " + state.epoch() + ", step " + state.globalStep() + ")";
  }
}
