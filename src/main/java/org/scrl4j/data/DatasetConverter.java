package org.scrl4j.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.Progress;
import org.scrl4j.common.UserError;

/**
 * Writes datasets as TFRecord shards in the standard ImageNet layout (see {@link TfRecordSource}):
 * {@code train-*-of-*}, {@code validation-*-of-*} and {@code labels.txt} (class names, one per
 * line, line k = label k, 1-based).
 */
public final class DatasetConverter {
  private static final Logger LOG = LogManager.getLogger(DatasetConverter.class);
  /** Fashion-MNIST class names, label order. */
  public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser",
      "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
  private static final Pattern OUTPUT_FILE =
      Pattern.compile("(train|validation)-\\d+-of-\\d+|labels\\.txt|\\..*\\.tmp");

  private final Path out;
  private final int shards;
  private final int threads;
  private final boolean force;

  /**
   * @param shards number of train shards; validation gets proportionally fewer (at least one)
   * @param force overwrite the shards of a non-empty output directory
   */
  public DatasetConverter(Path out, int shards, boolean force, int threads) {
    if (shards < 1) {
      throw new UserError("--shards " + shards + " must be at least 1");
    }
    this.out = out;
    this.shards = shards;
    this.threads = Math.max(1, threads);
    this.force = force;
  }

  private static void prepareOutput(Path out, boolean force) {
    try {
      if (Files.exists(out) && !Files.isDirectory(out)) {
        throw new UserError("output " + out + " exists and is not a directory");
      }
      Files.createDirectories(out);
      List<Path> present;
      try (Stream<Path> s = Files.list(out)) {
        present = s.toList();
      }
      if (!present.isEmpty() && !force) {
        throw new UserError("output directory " + out + " is not empty (" + present.size()
            + " entries); pass --force to replace its shards, or choose an empty directory");
      }
      for (Path p : present) {
        if (OUTPUT_FILE.matcher(p.getFileName().toString()).matches()) {
          Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot prepare output directory " + out + ": " + e.getMessage());
    }
  }

  int validationShards(int nTrain, int nVal) {
    return (int) Math.max(1, Math.min(nVal, Math.round((double) shards * nVal / Math.max(1, nTrain))));
  }

  /** Converts {@code src/train/<class>/*} and, when present, {@code src/val/<class>/*}. */
  public void fromFolders(Path src) {
    if (!Files.isDirectory(src)) {
      throw new UserError("source " + src + " does not exist or is not a directory");
    }
    FolderSource train = FolderSource.open(src, Split.TRAIN);
    FolderSource val = Files.isDirectory(src.resolve(Split.VALIDATION.folderName()))
        ? FolderSource.open(src, Split.VALIDATION) : null;
    if (val == null) {
      LOG.warn("no {}/ folder in {}: writing the train split only", Split.VALIDATION.folderName(),
          src);
    } else if (!val.classes().equals(train.classes())) {
      throw new UserError("the class folders of " + src.resolve("val") + " differ from those of "
          + src.resolve("train") + "; labels would not match");
    }
    prepareOutput(out, force);
    writeLabels(train.classes());
    int total = train.size() + (val == null ? 0 : val.size());
    try (Progress bar = Progress.forCount("convert", total)) {
      writeFolderSplit(train, shards, bar);
      if (val != null) {
        writeFolderSplit(val, validationShards(train.size(), val.size()), bar);
      }
    }
  }

  private void writeFolderSplit(FolderSource source, int nShards, Progress bar) {
    RecordIndex index = source.index();
    ShardWriter.write(out, source.split().shardPrefix(), source.size(), nShards, threads,
        new ShardWriter.Records<ImageChecker>() {
          @Override
          public ImageChecker newState() {
            return new ImageChecker();
          }

          @Override
          public byte[] record(ImageChecker checker, int i) throws IOException {
            Path file = Path.of(index.path(i));
            byte[] bytes = Files.readAllBytes(file);
            byte[] jpeg = bytes;
            if (!Jpegs.isJpeg(bytes)) {
              // ImageNet has a few PNG and CMYK files named .JPEG; the layout wants JPEG.
              BufferedImage img = Jpegs.read(bytes);
              if (img == null) {
                throw new UserError("cannot decode image " + file + " (not JPEG, PNG, GIF or BMP)");
              }
              jpeg = Jpegs.encode(img);
            }
            ImageChecker.Decoded d = checker.decode(jpeg);
            if (!d.ok()) {
              throw new UserError("corrupt image " + file + ": " + d.problem()
                  + "; replace or remove it");
            }
            int label = index.label(i);
            return Examples.image(jpeg, d.height(), d.width(), label + 1,
                source.classes().get(label), file.getFileName().toString());
          }
        }, bar);
  }

  /** Converts the Fashion-MNIST idx files (train and t10k) to 3-channel JPEG records. */
  public void fromFashionMnist(Path src) {
    if (!Files.isDirectory(src)) {
      throw new UserError("source " + src + " does not exist or is not a directory");
    }
    IdxFiles.Images trainImages = IdxFiles.readImages(IdxFiles.find(src, "train-images-idx3-ubyte"));
    int[] trainLabels = IdxFiles.readLabels(IdxFiles.find(src, "train-labels-idx1-ubyte"));
    IdxFiles.Images valImages = IdxFiles.readImages(IdxFiles.find(src, "t10k-images-idx3-ubyte"));
    int[] valLabels = IdxFiles.readLabels(IdxFiles.find(src, "t10k-labels-idx1-ubyte"));
    checkCounts(trainImages, trainLabels, src, "train");
    checkCounts(valImages, valLabels, src, "t10k");
    prepareOutput(out, force);
    writeLabels(FASHION_MNIST_CLASSES);
    try (Progress bar = Progress.forCount("convert", trainImages.count() + valImages.count())) {
      writeIdxSplit("train", trainImages, trainLabels, shards, bar);
      writeIdxSplit("validation", valImages, valLabels,
          validationShards(trainImages.count(), valImages.count()), bar);
    }
  }

  private static void checkCounts(IdxFiles.Images images, int[] labels, Path src, String name) {
    if (images.count() == 0) {
      throw new UserError("the " + name + " idx files in " + src + " hold no images");
    }
    if (images.count() != labels.length) {
      throw new UserError("the " + name + " idx files in " + src + " disagree: " + images.count()
          + " images but " + labels.length + " labels");
    }
  }

  private void writeIdxSplit(String prefix, IdxFiles.Images images, int[] labels, int nShards,
      Progress bar) {
    ShardWriter.write(out, prefix, images.count(), nShards, threads,
        new ShardWriter.Records<AutoCloseable>() {
          @Override
          public AutoCloseable newState() {
            return () -> { };
          }

          @Override
          public byte[] record(AutoCloseable unused, int i) throws IOException {
            byte[] jpeg = Jpegs.encode(Jpegs.greyToRgb(images.pixels()[i], images.rows(),
                images.cols()));
            int label = labels[i];
            String name = label < FASHION_MNIST_CLASSES.size() ? FASHION_MNIST_CLASSES.get(label)
                : String.valueOf(label);
            return Examples.image(jpeg, images.rows(), images.cols(), label + 1, name,
                String.format("%s_%05d", prefix, i));
          }
        }, bar);
  }

  private void writeLabels(List<String> classes) {
    try {
      Files.write(out.resolve(TfRecordSource.LABELS_FILE), new ArrayList<>(classes));
    } catch (IOException e) {
      throw new UserError("cannot write " + out.resolve(TfRecordSource.LABELS_FILE) + ": "
          + e.getMessage());
    }
  }
}
