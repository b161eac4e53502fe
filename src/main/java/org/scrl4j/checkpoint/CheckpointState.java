package org.scrl4j.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;

/**
 * Everything besides the tensors that a run needs to resume exactly where it stopped, stored as a
 * checkpoint's {@code state.json}.
 *
 * @param epoch completed epochs (1-based names: {@code checkpoint_3} holds epoch == 3)
 * @param globalStep optimizer steps done so far (also in {@code weights.npz} as "global_step")
 * @param dataPosition examples of epoch {@code epoch + 1} already consumed, summed over all
 *     processes; 0 at an epoch boundary, positive only for a mid-epoch save
 * @param bestScore best online top-1 accuracy so far, in percent (0 before the first evaluation)
 * @param bestEpoch epoch of {@code bestScore}, 0 when none
 * @param arch backbone name, e.g. "resnet50"
 * @param width backbone width multiplier
 * @param method "byol" or "scrl"
 * @param datasetSize training examples per process per epoch (one of {@code worldSize} shards of the
 *     data order drawn for the training set)
 * @param worldSize processes that trained it; 0 when not recorded (checkpoints of earlier builds)
 * @param globalBatch images per step summed over the processes; 0 when not recorded
 * @param seed run seed the data order and augmentations derive from
 * @param config the run's full config as YAML text
 * @param version scrl4j version that wrote the checkpoint
 */
public record CheckpointState(
    int epoch,
    long globalStep,
    long dataPosition,
    double bestScore,
    int bestEpoch,
    String arch,
    int width,
    String method,
    long datasetSize,
    int worldSize,
    int globalBatch,
    long seed,
    String config,
    String version) {

  /** Format of state.json; bumped when a field changes meaning. */
  static final int FORMAT = 1;

  public CheckpointState {
    Objects.requireNonNull(arch, "arch");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(version, "version");
    if (epoch < 0 || globalStep < 0 || dataPosition < 0 || bestEpoch < 0 || width <= 0
        || worldSize < 0 || globalBatch < 0) {
      throw new IllegalArgumentException("negative counter or non-positive width in " + epoch + "/"
          + globalStep + "/" + dataPosition + "/" + bestEpoch + "/" + width);
    }
    if (!Double.isFinite(bestScore)) {
      throw new IllegalArgumentException("best score must be finite, got " + bestScore);
    }
  }

  /** The version of the running scrl4j build ("dev" when run from compiled classes). */
  public static String currentVersion() {
    String v = CheckpointState.class.getPackage().getImplementationVersion();
    if (v != null) {
      return v;
    }
    // Maven puts the project's pom.properties into every jar it builds.
    try (InputStream in = CheckpointState.class.getResourceAsStream(
        "/META-INF/maven/org.scrl4j/scrl4j/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "dev");
      }
    } catch (IOException ignored) {
      // fall through: an unreadable resource only loses the label
    }
    return "dev";
  }

  /** Whether this is a save taken in the middle of an epoch. */
  public boolean midEpoch() {
    return dataPosition > 0;
  }

  /**
   * Fails with a message naming both sides when the checkpoint was trained with a different
   * backbone, width or method than the current run: loading it would silently mismatch tensors.
   */
  public void requireCompatible(String runArch, int runWidth, String runMethod, Path where) {
    boolean same = arch.equalsIgnoreCase(runArch) && width == runWidth && method.equalsIgnoreCase(runMethod);
    if (!same) {
      throw new UserError("checkpoint " + where + " was trained as " + describe(arch, width, method)
          + " but this run is " + describe(runArch, runWidth, runMethod)
          + "; pick the matching config or start a new run with a different --save_dir");
    }
  }

  private static String describe(String arch, int width, String method) {
    return method.toUpperCase() + " " + arch + (width == 1 ? "" : " width x" + width);
  }

  String toJson(long weightsBytes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("epoch", epoch);
    m.put("global_step", globalStep);
    m.put("data_position", dataPosition);
    m.put("best_score", bestScore);
    m.put("best_epoch", bestEpoch);
    m.put("arch", arch);
    m.put("width", width);
    m.put("method", method);
    m.put("dataset_size", datasetSize);
    // Absent in the checkpoints of earlier builds; written only when known so those round-trip.
    if (worldSize > 0) {
      m.put("world_size", worldSize);
    }
    if (globalBatch > 0) {
      m.put("global_batch", globalBatch);
    }
    m.put("seed", seed);
    m.put("scrl4j_version", version);
    m.put("weights_bytes", weightsBytes);
    m.put("config", config);
    return Json.write(m);
  }

  /** The parsed state and the weights file size it was written with (a truncation check). */
  record Stored(CheckpointState state, long weightsBytes) {}

  static Stored fromJson(String json) {
    Map<String, Object> m = Json.readObject(json);
    long format = num(m, "format").longValue();
    if (format != FORMAT) {
      throw new IllegalArgumentException("state.json format " + format + ", this build reads " + FORMAT);
    }
    CheckpointState s = new CheckpointState(
        Math.toIntExact(num(m, "epoch").longValue()),
        num(m, "global_step").longValue(),
        num(m, "data_position").longValue(),
        num(m, "best_score").doubleValue(),
        Math.toIntExact(num(m, "best_epoch").longValue()),
        str(m, "arch"),
        Math.toIntExact(num(m, "width").longValue()),
        str(m, "method"),
        num(m, "dataset_size").longValue(),
        m.containsKey("world_size") ? Math.toIntExact(num(m, "world_size").longValue()) : 0,
        m.containsKey("global_batch") ? Math.toIntExact(num(m, "global_batch").longValue()) : 0,
        num(m, "seed").longValue(),
        str(m, "config"),
        str(m, "scrl4j_version"));
    return new Stored(s, num(m, "weights_bytes").longValue());
  }

  private static Number num(Map<String, Object> m, String key) {
    if (m.get(key) instanceof Number n) {
      return n;
    }
    throw new IllegalArgumentException("state.json: '" + key + "' missing or not a number");
  }

  private static String str(Map<String, Object> m, String key) {
    if (m.get(key) instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException("state.json: '" + key + "' missing or not a string");
  }
}
