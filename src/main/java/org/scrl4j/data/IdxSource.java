package org.scrl4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import org.scrl4j.common.UserError;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TUint8;

/**
 * Fashion-MNIST (or MNIST) read straight from its idx files: {@code train-images-idx3-ubyte.gz}
 * / {@code train-labels-idx1-ubyte.gz} for train, {@code t10k-*} for validation. The pipeline
 * reads each image's raw grey pixels (lossless) and copies them to three channels. Gzipped image
 * files are decompressed once into a cache directory (default: java.io.tmpdir/scrl4j-idx), and
 * the images framed as TFRecords there once, so single images can be read at their offsets.
 */
public final class IdxSource implements ImageSource {
  private final Split split;
  private final RecordIndex index;
  private final int numClasses;

  private IdxSource(Split split, RecordIndex index, int numClasses) {
    this.split = split;
    this.index = index;
    this.numClasses = numClasses;
  }

  public static IdxSource open(Path root, Split split) {
    return open(root, split, Path.of(System.getProperty("java.io.tmpdir"), "scrl4j-idx"));
  }

  public static IdxSource open(Path root, Split split, Path cacheDir) {
    if (!Files.isDirectory(root)) {
      throw new UserError("dataset root " + root + " does not exist or is not a directory");
    }
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    Path imagesFile = IdxFiles.find(root, prefix + "-images-idx3-ubyte");
    int[] labels = IdxFiles.readLabels(IdxFiles.find(root, prefix + "-labels-idx1-ubyte"));
    Path raw = imagesFile.toString().endsWith(".gz") ? decompressed(imagesFile, cacheDir)
        : imagesFile;
    int n;
    int rows;
    int cols;
    long size;
    try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
      if (f.readInt() != 0x803) {
        throw new UserError(imagesFile + " is not an idx3 image file");
      }
      n = f.readInt();
      rows = f.readInt();
      cols = f.readInt();
      size = f.length();
    } catch (IOException e) {
      throw new UserError("cannot read " + imagesFile + ": " + e.getMessage());
    }
    if (n == 0) {
      throw new UserError(imagesFile + " holds no images");
    }
    if (n != labels.length) {
      throw new UserError(imagesFile + " holds " + n + " images but its label file "
          + labels.length + " labels");
    }
    long pixels = (long) rows * cols;
    if (16 + n * pixels > size) {
      throw new UserError(imagesFile + " is truncated: " + n + " images of " + rows + "x" + cols
          + " need " + (16 + n * pixels) + " bytes, the file has " + size);
    }
    Path framed = framed(raw, n, pixels, cacheDir);
    int[] file = new int[n];
    long[] offset = new long[n];
    long[] length = new long[n];
    int max = -1;
    for (int i = 0; i < n; i++) {
      offset[i] = i * (pixels + 16) + 12;
      length[i] = pixels;
      max = Math.max(max, labels[i]);
    }
    RecordIndex index = new RecordIndex(RecordIndex.Kind.RAW_GREY, new String[] {framed.toString()},
        new long[] {n * (pixels + 16)}, file, offset, length, labels, rows, cols);
    return new IdxSource(split, index, max + 1);
  }

  /**
   * The images of the idx file {@code raw} as a TFRecord file in {@code cacheDir}, one record of
   * {@code pixels} grey bytes per image, made once (named by the source's name, size and date). The
   * pipeline reads a TFRecord at its offset with a seek (RecordOperands#tfRecord); TensorFlow has no
   * op that seeks into an unframed file (FixedLengthRecordDataset reads the bytes before the record).
   */
  private static Path framed(Path raw, int n, long pixels, Path cacheDir) {
    try {
      String key = raw.getFileName().toString() + "-" + Files.size(raw) + "-"
          + Files.getLastModifiedTime(raw).toMillis() + ".tfrecord";
      Path out = cacheDir.resolve(key);
      if (Files.isRegularFile(out) && Files.size(out) == n * (pixels + 16)) {
        return out;
      }
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempFile(cacheDir, key, ".tmp");
      byte[] image = new byte[(int) pixels];
      try (java.io.DataInputStream in = new java.io.DataInputStream(
               new java.io.BufferedInputStream(Files.newInputStream(raw), 1 << 16));
           java.io.OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        in.skipNBytes(16);
        for (int i = 0; i < n; i++) {
          in.readFully(image);
          TfRecords.write(o, image);
        }
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return out;
    } catch (IOException e) {
      throw new UserError("cannot write the framed copy of " + raw + " into " + cacheDir + ": " + e.getMessage());
    }
  }

  /** The gunzipped copy of {@code gz} in {@code cacheDir}, made once (named by size and date). */
  private static Path decompressed(Path gz, Path cacheDir) {
    try {
      String key = gz.getFileName().toString().replaceAll("\\.gz$", "") + "-" + Files.size(gz)
          + "-" + Files.getLastModifiedTime(gz).toMillis();
      Path out = cacheDir.resolve(key);
      if (Files.isRegularFile(out)) {
        return out;
      }
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempFile(cacheDir, key, ".tmp");
      try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return out;
    } catch (IOException e) {
      throw new UserError("cannot decompress " + gz + " into " + cacheDir + ": " + e.getMessage());
    }
  }

  @Override
  public Split split() {
    return split;
  }

  @Override
  public RecordIndex index() {
    return index;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  /** The record is rawHeight x rawWidth grey bytes, copied to three channels; the label is the index's. */
  @Override
  public DecodedImage decode(Ops tf, RecordOperands record) {
    Operand<TUint8> grey = tf.reshape(tf.io.decodeRaw(record.tfRecord(tf), TUint8.class),
        tf.constant(new long[] {index.rawHeight, index.rawWidth, 1}));
    return new DecodedImage(tf.tile(grey, tf.constant(new long[] {1, 1, 3})), record.indexLabel());
  }

  /** Image i as a PNG of its grey pixels copied to three channels. */
  @Override
  public byte[] readImage(int i) throws IOException {
    byte[] grey = new byte[(int) index.length(i)];
    try (RandomAccessFile f = new RandomAccessFile(index.path(i), "r")) {
      f.seek(index.offset(i));
      f.readFully(grey);
    }
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(Jpegs.greyToRgb(grey, index.rawHeight, index.rawWidth), "png", png);
    return png.toByteArray();
  }

  @Override
  public int readLabel(int i) {
    return index.label(i);
  }

  @Override
  public String toString() {
    return "IdxSource[" + index.path(0) + ", " + split + ", " + size() + " images]";
  }
}
