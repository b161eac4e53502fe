package org.scrl4j.config;

/** Where the images come from. */
public record DatasetConfig(
    /** imagenet or fashion_mnist (only used to name things; the format decides how to read). */
    String name,
    /** tfrecord (train-*-of-* / validation-*-of-* shards), folder (train/<class>/*.JPEG), idx (Fashion-MNIST .gz). */
    String format,
    String root,
    /** Skip undecodable records with a count at the end of each epoch instead of stopping. */
    boolean skipCorrupt,
    /** Use only the first N training images (0 = all): small runs on small machines. */
    int maxImages,
    /** Use only the first N validation images (0 = all). */
    int maxEvalImages) {

  public static DatasetConfig defaults() {
    return new DatasetConfig("imagenet", "tfrecord", null, false, 0, 0);
  }
}
