package org.scrl4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.scrl4j.common.UserError;
import org.tensorflow.op.Ops;

/** Opens dataset splits by format, and restricts them to small subsets for quick runs. */
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

  /**
   * Opens a split in the given format: {@code tfrecord} (standard-layout shards), {@code folder}
   * (class folders) or {@code idx} (Fashion-MNIST idx files); {@code auto} picks tfrecord or folder
   * from what {@code root} holds.
   */
  public static ImageSource open(Path root, String format, Split split) {
    if (!Files.isDirectory(root)) {
      throw new UserError("dataset root " + root + " does not exist or is not a directory");
    }
    return switch (format) {
      case "tfrecord" -> TfRecordSource.open(root, split);
      case "folder" -> FolderSource.open(root, split);
      case "idx" -> IdxSource.open(root, split);
      case "auto" -> open(root, split);
      default -> throw new UserError("dataset format '" + format
          + "' is not one of tfrecord, folder, idx");
    };
  }

  /**
   * The source restricted to {@code count} images spread evenly over it (0 or at least its size:
   * the source itself), for quick runs that should still see every class.
   */
  public static ImageSource spread(ImageSource source, int count) {
    int n = source.size();
    if (count <= 0 || count >= n) {
      return source;
    }
    return view(source, source.index().spread(count), k -> RecordIndex.spreadSource(k, n, count),
        count + " of " + source);
  }

  /**
   * The source's images read round and round until there are {@code count} (image k is image
   * k mod n), so an epoch of a small set lasts as long as one of a large set: for measuring the
   * steady state of the pipeline, whose epoch start is a fixed cost per epoch.
   */
  public static ImageSource cycle(ImageSource source, int count) {
    int n = source.size();
    if (count <= n) {
      return source;
    }
    return view(source, source.index().cycle(count), k -> k % n,
        count + " reads cycling " + source);
  }

  /** {@code source} seen through {@code index}, whose image k is {@code original.applyAsInt(k)}. */
  private static ImageSource view(ImageSource source, RecordIndex index,
      java.util.function.IntUnaryOperator original, String name) {
    return new ImageSource() {
      @Override
      public Split split() {
        return source.split();
      }

      @Override
      public RecordIndex index() {
        return index;
      }

      @Override
      public int numClasses() {
        return source.numClasses();
      }

      @Override
      public DecodedImage decode(Ops tf, RecordOperands record) {
        return source.decode(tf, record);
      }

      @Override
      public byte[] readImage(int i) throws IOException {
        return source.readImage(original.applyAsInt(i));
      }

      @Override
      public int readLabel(int i) throws IOException {
        return source.readLabel(original.applyAsInt(i));
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }
}
