package org.scrl4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import org.scrl4j.UserError;

/** Picks the source kind from what a dataset root holds. */
public final class ImageSources {
  private ImageSources() {}

  /**
   * Opens a split under {@code root}: TFRecord shards ({@code train-*-of-*},
   * {@code validation-*-of-*}) when present, else class folders ({@code train/}, {@code val/}).
   */
  public static ImageSource open(Path root, Split split) {
    if (!Files.isDirectory(root)) {
      throw new UserError("dataset root " + root + " does not exist or is not a directory");
    }
    if (TfRecordSource.hasShards(root, split)) {
      return TfRecordSource.open(root, split);
    }
    if (Files.isDirectory(root.resolve(split.folderName()))) {
      return FolderSource.open(root, split);
    }
    throw new UserError("no " + split.shardPrefix() + "-*-of-* TFRecord shards and no "
        + split.folderName() + "/<class>/ image folders in " + root);
  }
}
