package org.scrl4j.data;

/** A dataset split and the names it goes by on disk. */
public enum Split {
  TRAIN("train", "train"),
  VALIDATION("validation", "val");

  private final String shardPrefix;
  private final String folderName;

  Split(String shardPrefix, String folderName) {
    this.shardPrefix = shardPrefix;
    this.folderName = folderName;
  }

  /** TFRecord shards are named {@code <prefix>-NNNNN-of-NNNNN}. */
  public String shardPrefix() {
    return shardPrefix;
  }

  /** Class folders live under {@code <root>/<folderName>/<class>/}. */
  public String folderName() {
    return folderName;
  }
}
