package org.scrl4j.data;

import com.google.protobuf.ByteString;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.Int64List;

/** tf.train.Example records in the standard ImageNet TFRecord layout. */
public final class Examples {
  private Examples() {}

  /**
   * One image record: {@code image/encoded}, {@code image/format} "JPEG", {@code image/height},
   * {@code image/width}, {@code image/channels} 3, {@code image/colorspace} "RGB",
   * {@code image/class/label} (1-based; pass -1 for none), {@code image/class/synset},
   * {@code image/filename}.
   */
  public static byte[] image(byte[] jpeg, int height, int width, long label, String synset,
      String filename) {
    Features.Builder f = Features.newBuilder()
        .putFeature(TfRecordSource.ENCODED_KEY, bytes(jpeg))
        .putFeature("image/format", bytes("JPEG"))
        .putFeature("image/height", int64(height))
        .putFeature("image/width", int64(width))
        .putFeature("image/channels", int64(3))
        .putFeature("image/colorspace", bytes("RGB"))
        .putFeature("image/filename", bytes(filename));
    if (label >= 0) {
      f.putFeature(TfRecordSource.LABEL_KEY, int64(label));
    }
    if (synset != null) {
      f.putFeature(TfRecordSource.SYNSET_KEY, bytes(synset));
    }
    return Example.newBuilder().setFeatures(f).build().toByteArray();
  }

  static Feature bytes(byte[] b) {
    return Feature.newBuilder().setBytesList(BytesList.newBuilder().addValue(ByteString.copyFrom(b)))
        .build();
  }

  static Feature bytes(String s) {
    return Feature.newBuilder()
        .setBytesList(BytesList.newBuilder().addValue(ByteString.copyFromUtf8(s))).build();
  }

  static Feature int64(long v) {
    return Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(v)).build();
  }
}
