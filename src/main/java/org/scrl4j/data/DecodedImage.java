package org.scrl4j.data;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * One record decoded in the graph: the image, uint8 [height, width, 3], and its label, int64
 * scalar, 0-based, -1 unlabelled.
 */
public record DecodedImage(Operand<TUint8> image, Operand<TInt64> label) {

  /**
   * Decodes JPEG (and PNG, GIF, BMP) bytes to uint8 [height, width, 3]: grey images get three
   * channels, animations their first frame. Every reader of encoded images uses this one.
   */
  public static DecodeImage<TUint8> decodeEncoded(Ops tf, Operand<TString> encoded) {
    return tf.image.decodeImage(encoded, new DecodeImage.Options[] {
        DecodeImage.channels(3L), DecodeImage.expandAnimations(false)});
  }
}
