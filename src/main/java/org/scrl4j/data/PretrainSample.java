package org.scrl4j.data;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Everything one image contributes to a pre-training step, as graph tensors of one element.
 *
 * @param view1 float32 [S, S, 3], ImageNet-normalised
 * @param view2 float32 [S, S, 3]
 * @param crop1 int32 [4] = (top, left, height, width) of view 1 in original pixels
 * @param crop2 int32 [4]
 * @param flip1 bool scalar
 * @param flip2 bool scalar
 * @param boxes1 float32 [B, 4] = (x1, y1, x2, y2) in view-1 pixels
 * @param boxes2 float32 [B, 4] matched boxes in view-2 pixels
 * @param boxValid bool scalar; false when the two crops overlap too little for boxes
 */
public record PretrainSample(
    Operand<TFloat32> view1,
    Operand<TFloat32> view2,
    Operand<TInt32> crop1,
    Operand<TInt32> crop2,
    Operand<TBool> flip1,
    Operand<TBool> flip2,
    Operand<TFloat32> boxes1,
    Operand<TFloat32> boxes2,
    Operand<TBool> boxValid) {

  /** Output names in the order of {@link #outputs()}. */
  public static final List<String> NAMES =
      List.of("view1", "view2", "crop1", "crop2", "flip1", "flip2", "boxes1", "boxes2", "box_valid");

  /** The tensors in the order of {@link #NAMES}, e.g. for a map function's outputs. */
  public List<Operand<?>> outputs() {
    return List.of(view1, view2, crop1, crop2, flip1, flip2, boxes1, boxes2, boxValid);
  }
}
