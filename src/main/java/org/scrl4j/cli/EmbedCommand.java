package org.scrl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.UserError;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.CheckpointBackbone;
import org.scrl4j.export.ExportPaths;
import org.scrl4j.export.ImageEmbedder;
import org.scrl4j.export.Preprocessing;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * {@code tools/scrl embed --load_dir DIR --images DIR --out feats.npy}: pooled features [N, C] of
 * every image under a folder (inference-mode backbone), rows in sorted path order, with the paths
 * listed beside the output as {@code feats.npy.txt}. Images go through the evaluation transform of
 * the checkpoint's run ({@link Preprocessing#of(Checkpoint)}: the linear probe's resize and centre
 * crop), or as {@code --size} / {@code --pad} say.
 */
public final class EmbedCommand implements Command {
  @Override
  public String name() {
    return "embed";
  }

  @Override
  public String summary() {
    return "pooled backbone features of a folder of images (.npy), through the run's eval transform";
  }

  @Override
  public int run(List<String> args) throws Exception {
    CommandFlags flags = new CommandFlags(name())
        .flag("load_dir", "DIR", "run directory (newest checkpoint) or one checkpoint_* directory")
        .flag("images", "DIR", "folder of JPEG/PNG/GIF/BMP images (searched recursively)")
        .flag("out", "FILE", "output .npy, float32 [N, C]; the image paths go to FILE.txt")
        .flag("batch", "N", "images per forward pass (default 32)")
        .flag("arch", "ARCH", "optional: fail unless the checkpoint is this architecture (e.g. resnet50)")
        .flag("size", "N", "optional: centre-crop side instead of the checkpoint config's augment/input_size")
        .flag("pad", "N", "optional: resize the shorter side to size + N instead of the checkpoint config's "
            + "augment/center_crop_pad")
        .footer("Images are resized and centre-cropped as the run's linear probe does: resize the shorter side to"
            + " input_size + center_crop_pad (bicubic), crop input_size, from the config the checkpoint keeps"
            + " (the original's 256 / 224 for a checkpoint without one).");
    if (!flags.parse(args)) {
      return 0;
    }
    Path out = flags.path("out");
    ExportPaths.prepareFile(out);
    int batch = flags.positiveInt("batch", 32);
    Path imageDir = flags.path("images");
    int size = flags.positiveInt("size", 0);
    int pad = flags.integer("pad", 0);
    if (pad < 0) {
      throw flags.error("--pad " + pad + " must be 0 or more, e.g. --pad 0 (the whole image)");
    }
    List<Path> images = ImageEmbedder.listImages(imageDir);
    Checkpoint checkpoint = CheckpointBackbone.find(flags.path("load_dir"));
    Preprocessing transform = chosen(Preprocessing.of(checkpoint), flags.isSet("size") ? size : null,
        flags.isSet("pad") ? pad : null);
    BackboneWeights w = CheckpointBackbone.read(checkpoint, flags.optional("arch"));
    System.out.println("eval transform: " + transform.describe() + " (" + transform.origin() + ")");
    NpyArray feats;
    try (ImageEmbedder e = new ImageEmbedder(w, transform)) {
      feats = e.embed(images, batch);
    }
    Npz.writeNpy(out, feats);
    Path names = out.resolveSibling(out.getFileName() + ".txt");
    try {
      Files.writeString(names, images.stream().map(p -> imageDir.relativize(p).toString())
          .collect(Collectors.joining("\n", "", "\n")));
    } catch (java.io.IOException ex) {
      throw new UserError("cannot write " + names + ": " + ex.getMessage());
    }
    System.out.println("wrote " + out + " [" + feats.shape()[0] + ", " + feats.shape()[1] + "] float32 and "
        + names + " (row order)");
    return 0;
  }

  /** The checkpoint's transform with the given --size / --pad (null: not given) in its place. */
  static Preprocessing chosen(Preprocessing fromCheckpoint, Integer size, Integer pad) {
    if (size == null && pad == null) {
      return fromCheckpoint;
    }
    List<String> given = new java.util.ArrayList<>();
    if (size != null) {
      given.add("--size " + size);
    }
    if (pad != null) {
      given.add("--pad " + pad);
    }
    return new Preprocessing(size == null ? fromCheckpoint.size() : size, pad == null ? fromCheckpoint.pad() : pad,
        "from " + String.join(" ", given) + "; the checkpoint's: " + fromCheckpoint.describe() + ", "
            + fromCheckpoint.origin());
  }
}
