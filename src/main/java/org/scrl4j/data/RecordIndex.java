package org.scrl4j.data;

/**
 * Where every image of a source lies on disk: image i is {@code length[i]} bytes at
 * {@code offset[i]} of {@code files[file[i]]}. For TFRecord sources the bytes are a serialized
 * tf.train.Example; for folder sources the whole file is the encoded image and the label is known
 * from its folder.
 */
public final class RecordIndex {
  /** What the bytes at a record's position are. */
  public enum Kind {
    TF_EXAMPLE,
    IMAGE_FILE
  }

  final Kind kind;
  final String[] files;
  final long[] fileSizes;
  final int[] file;
  final long[] offset;
  final long[] length;
  /** Per-image labels when the layout gives them (folders); null when the records carry them. */
  final int[] labels;

  RecordIndex(Kind kind, String[] files, long[] fileSizes, int[] file, long[] offset, long[] length,
      int[] labels) {
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

  @Override
  public String toString() {
    return "RecordIndex[" + kind + ", " + size() + " images in " + files.length + " files]";
  }
}
