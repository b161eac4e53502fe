package org.scrl4j.data;

/**
 * Where every image of a source lies on disk: image i is {@code length[i]} bytes at
 * {@code offset[i]} of {@code files[file[i]]}. For TFRecord sources the bytes are a serialized
 * tf.train.Example; for folder sources the whole file is the encoded image (offset and length
 * unused) and the label is known from its folder; for idx sources the bytes are raw grey pixels.
 */
public final class RecordIndex {
  /** What the bytes at a record's position are. */
  public enum Kind {
    TF_EXAMPLE,
    IMAGE_FILE,
    /** Uncompressed grey pixels, rawHeight x rawWidth bytes (idx files). */
    RAW_GREY
  }

  final Kind kind;
  final String[] files;
  final long[] fileSizes;
  final int[] file;
  final long[] offset;
  final long[] length;
  /** Per-image labels when the layout gives them (folders); null when the records carry them. */
  final int[] labels;
  final int rawHeight;
  final int rawWidth;

  RecordIndex(Kind kind, String[] files, long[] fileSizes, int[] file, long[] offset, long[] length,
      int[] labels) {
    this(kind, files, fileSizes, file, offset, length, labels, 0, 0);
  }

  RecordIndex(Kind kind, String[] files, long[] fileSizes, int[] file, long[] offset, long[] length,
      int[] labels, int rawHeight, int rawWidth) {
    this.rawHeight = rawHeight;
    this.rawWidth = rawWidth;
    this.kind = kind;
    this.files = files;
    this.fileSizes = fileSizes;
    this.file = file;
    this.offset = offset;
    this.length = length;
    this.labels = labels;
  }

  public Kind kind() {
    return kind;
  }

  public int size() {
    return file.length;
  }

  public String path(int i) {
    return files[file[i]];
  }

  public long offset(int i) {
    return offset[i];
  }

  public long length(int i) {
    return length[i];
  }

  /** Bytes after the record's payload up to the end of its file. */
  public long bytesAfter(int i) {
    return fileSizes[file[i]] - offset[i] - length[i];
  }

  /** The folder label of image i, or -1 when the record itself carries the label. */
  public int label(int i) {
    return labels == null ? -1 : labels[i];
  }

  /** A user-facing name of image i: the file, plus the byte offset inside a shard. */
  public String describe(int i) {
    return kind == Kind.TF_EXAMPLE ? path(i) + " (record at byte " + (offset[i] - 12) + ")" : path(i);
  }

  /**
   * The index restricted to {@code count} images spread evenly over it (image k of the subset is
   * image floor(k n / count)), so a small run still sees every class of a class-sorted source.
   */
  RecordIndex spread(int count) {
    int n = size();
    if (count <= 0 || count >= n) {
      return this;
    }
    return select(count, k -> (int) ((long) k * n / count));
  }

  /** The index read round and round to {@code count} images: image k is image k mod n. */
  RecordIndex cycle(int count) {
    int n = size();
    return select(count, k -> k % n);
  }

  /** The index whose image k is image {@code source.applyAsInt(k)} of this one. */
  private RecordIndex select(int count, java.util.function.IntUnaryOperator source) {
    int[] f = new int[count];
    long[] off = new long[count];
    long[] len = new long[count];
    int[] lab = labels == null ? null : new int[count];
    for (int k = 0; k < count; k++) {
      int i = source.applyAsInt(k);
      f[k] = file[i];
      off[k] = offset[i];
      len[k] = length[i];
      if (lab != null) {
        lab[k] = labels[i];
      }
    }
    return new RecordIndex(kind, files, fileSizes, f, off, len, lab, rawHeight, rawWidth);
  }

  /** Global index in this index of image k of {@link #spread}(count). */
  static int spreadSource(int k, int n, int count) {
    return count <= 0 || count >= n ? k : (int) ((long) k * n / count);
  }

  @Override
  public String toString() {
    return "RecordIndex[" + kind + ", " + size() + " images in " + files.length + " files]";
  }
}
