package org.scrl4j.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.model.ResNetSpec;

/**
 * The online backbone of a training checkpoint: {@code load_dir} is a run directory (its newest
 * complete checkpoint is used, as a resuming run would) or one checkpoint directory such as
 * {@code checkpoint_best}. Only the backbone's entries of weights.npz are read: the target
 * network, heads and optimizer state are most of its bytes.
 */
public final class CheckpointBackbone {
  /** The online network's backbone scope in checkpoints (the target is an EMA of it). */
  public static final String SCOPE = "online/backbone";

  private CheckpointBackbone() {}

  /** The checkpoint {@code loadDir} names: itself if it holds state.json, else its newest. */
  public static Checkpoint find(Path loadDir) {
    if (Files.isRegularFile(loadDir.resolve("state.json"))) {
      return Checkpoint.open(loadDir);
    }
    return CheckpointStore.requireLatest(loadDir);
  }

  /**
   * Reads the backbone of the checkpoint at {@code loadDir}. {@code expectedArch} (may be null)
   * must match the checkpoint's architecture when given.
   */
  public static BackboneWeights read(Path loadDir, String expectedArch) {
    return read(find(loadDir), expectedArch);
  }

  /** Reads the backbone of checkpoint {@code c}; {@code expectedArch} as in {@link #read(Path, String)}. */
  public static BackboneWeights read(Checkpoint c, String expectedArch) {
    String arch = c.state().arch();
    if (expectedArch != null && !expectedArch.equalsIgnoreCase(arch)) {
      throw new UserError("checkpoint " + c.dir() + " holds a " + arch + " (width " + c.state().width()
          + "), not the requested " + expectedArch + "; drop --arch or pick the matching run");
    }
    ResNetSpec spec = ResNetSpec.of(arch, c.state().width());
    Map<String, NpyArray> vars = readPrefix(c.dir().resolve("weights.npz"), SCOPE + "/");
    if (vars.isEmpty()) {
      throw new UserError("checkpoint " + c.dir() + " has no '" + SCOPE + "/*' weights; is it an scrl4j checkpoint?");
    }
    try {
      return BackboneWeights.fromTfVariables(vars, SCOPE, spec);
    } catch (UserError e) {
      throw new UserError("checkpoint " + c.dir() + " (state.json says " + spec + "): " + e.getMessage());
    }
  }

  /** The .npz arrays whose names start with {@code prefix}, keyed by name, in file order. */
  static Map<String, NpyArray> readPrefix(Path file, String prefix) {
    Map<String, NpyArray> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
        ZipEntry e = en.nextElement();
        String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
        if (name.startsWith(prefix)) {
          try (InputStream in = zip.getInputStream(e)) {
            out.put(name, Npz.parseNpy(in.readAllBytes(), file + ":" + e.getName()));
          }
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }
}
