package org.scrl4j.data;

import java.io.IOException;
import org.tensorflow.op.Ops;

/** A split of an image dataset on disk, indexed so any image can be read by its global index. */
public interface ImageSource {
  Split split();

  /** The index of every image of the split, in a fixed order (global index = position). */
  RecordIndex index();

  /** Number of images in the split. */
  default int size() {
    return index().size();
  }

  /** Number of classes (labels are 0..numClasses-1); 0 for an unlabelled source. */
  int numClasses();

  /**
   * Graph ops, built into the input pipeline's map function, that read {@code record} in this
   * source's format and decode it: the format's knowledge stays with the source that writes it.
   */
  DecodedImage decode(Ops tf, RecordOperands record);

  /** The encoded image bytes of image i, read on the host (for diagnosis and checks). */
  byte[] readImage(int i) throws IOException;

  /** The label (0-based, -1 unlabelled) of image i, read on the host. */
  int readLabel(int i) throws IOException;
}
