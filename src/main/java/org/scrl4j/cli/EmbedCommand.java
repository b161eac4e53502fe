package org.scrl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.UserError;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.CheckpointBackbone;
import org.scrl4j.export.ExportPaths;
import org.scrl4j.export.ImageEmbedder;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * {@code tools/scrl embed --load_dir DIR --images DIR --out feats.npy}: pooled features [N, C] of
 * every image under a folder (evaluation transform, inference-mode backbone), rows in sorted path
 * order, with the paths listed beside the output as {@code feats.npy.txt}.
 */
public final class EmbedCommand implements Command {
  @Override
  public String name() {
    return "embed";
  }

  @Override
  public String summary() {
    return "pooled backbone features of a folder of images (.npy), eval transform 256/224";
  }

  @Override
  public int run(List<String> args) throws Exception {
    CommandFlags flags = new CommandFlags(name())
        .flag("load_dir", "DIR", "run directory (newest checkpoint) or one checkpoint_* directory")
        .flag("images", "DIR", "folder of JPEG/PNG/GIF/BMP images (searched recursively)")
        .flag("out", "FILE", "output .npy, float32 [N, C]; the image paths go to FILE.txt")
        .flag("batch", "N", "images per forward pass (default 32)")
        .flag("arch", "ARCH", "optional: fail unless the checkpoint is this architecture (e.g. resnet50)");
    if (!flags.parse(args)) {
      return 0;
    }
    Path out = flags.path("out");
    ExportPaths.prepareFile(out);
    int batch = flags.positiveInt("batch", 32);
    Path imageDir = flags.path("images");
    List<Path> images = ImageEmbedder.listImages(imageDir);
    BackboneWeights w = CheckpointBackbone.read(flags.path("load_dir"), flags.optional("arch"));
    NpyArray feats;
    try (ImageEmbedder e = new ImageEmbedder(w, 224, org.scrl4j.data.augment.ViewTransforms.EVAL_PAD)) {
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
}
