package org.scrl4j.data.boxes;

import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Matched boxes of one image pair.
 *
 * @param boxes1 float32 [B, 4] = (x1, y1, x2, y2) in view-1 pixels
 * @param boxes2 float32 [B, 4], row i covers the same image region as boxes1 row i, in view 2
 * @param valid bool scalar; false when the crops overlap too little (then both are all zero and the
 *     image contributes no boxes)
 */
public record BoxPair(Operand<TFloat32> boxes1, Operand<TFloat32> boxes2, Operand<TBool> valid) {}
