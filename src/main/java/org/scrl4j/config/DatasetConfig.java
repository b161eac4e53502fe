package org.scrl4j.config;

/** Where the images come from. */
public record DatasetConfig(
    /** imagenet or fashion_mnist (only used to name things; the format decides how to read). */
    String name,
    /**
     * auto (whatever root holds), tfrecord (train-*-of-* / validation-*-of-* shards), folder
     * (train/<class>/*.JPEG, val/<class>/*.JPEG), idx (Fashion-MNIST's .gz files).
     */
    String format,
    String root,
    /** Skip undecodable records with a count at the end of each epoch instead of stopping. */
    boolean skipCorrupt,
    /** Use only N training images, spread evenly over the split (0 = all): small runs. */
    int maxImages,
    /** Use only N validation images, spread evenly (0 = all). */
    int maxEvalImages) {

  public static DatasetConfig defaults() {
    return new DatasetConfig("imagenet", "auto", null, false, 0, 0);
  }
}
