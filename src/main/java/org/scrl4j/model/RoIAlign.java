package org.scrl4j.model;

import java.util.List;
import org.scrl4j.common.UserError;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * torchvision's {@code roi_align} as TensorFlow graph ops, on NHWC features.
 *
 * <p>Semantics (torchvision's CPU kernel): a RoI {@code (b, x1, y1, x2, y2)} in input pixels is
 * scaled by {@code spatialScale} to cells and, when {@code aligned}, shifted by -0.5 cell; without
 * {@code aligned} its width and height are raised to at least 1 cell. It is cut into P x P bins;
 * each bin averages a {@code gy x gx} grid of bilinear samples at the sub-bin centres, where
 * {@code g = samplingRatio} if positive, else {@code ceil(roi_size / P)} per RoI and axis. A sample
 * outside [-1, H] x [-1, W] contributes 0; a coordinate in [-1, 0] reads cell 0 and one at or past
 * the last cell reads the last cell.
 *
 * <p>Design. Bilinear interpolation factorises per axis and the validity test is a product of
 * per-axis tests, so a bin's average is {@code sum_{h,w} Wy[k,py,h] * Wx[k,px,w] * F[b_k,h,w,:]}
 * where {@code Wy[k,py,h]} is the mean over the bin's gy row samples of the 1-D "tent" weight
 * {@code max(0, 1 - |clamp(y, 0, H-1) - h|)} (0 for invalid samples), likewise {@code Wx}. The
 * per-RoI sample counts are handled by a grid of {@code G = max_k g_k} samples with a mask. The
 * weights depend on the boxes only (stop-gradient), so the op is linear in the features and TF's
 * C++ gradient registry differentiates it through Reshape, BatchMatMul and GatherV2.
 *
 * <p>Instead of gathering each RoI's feature map (K x H x W x C floats; 2 GB for SCRL's K = 5120
 * on 7x7x2048), the RoI weight matrices {@code M[k] = Wy[k] (x) Wx[k]} ([P*P, H*W]) are scattered
 * into a per-image padded block {@code [B, S, P*P, H*W]} (S = most RoIs of any image, slot =
 * rank of the RoI among its image's RoIs), multiplied with the image's own {@code [H*W, C]}
 * features in one batched matmul, and the K result rows are gathered back.
 *
 * <p>Cost: forward {@code 2*B*S*P^2*H*W*C} FLOPs (= 2*K*P^2*H*W*C when every image has S RoIs;
 * SCRL K=5120, P=1, 7x7x2048: 1.0 GFLOP), the backward the same again for d features; memory
 * {@code B*S*P^2*H*W} floats of weights (SCRL: 1 MB), {@code B*S*P^2*C} of matmul output (42 MB),
 * {@code K*P*G*(H+W)} of sample weights and {@code K*B} for the slot ranks (one-hot). Unbalanced
 * boxes cost {@code S/(K/B)} times more in the matmul (zero rows), never a per-RoI copy of the map.
 */
public final class RoIAlign {

  private RoIAlign() {}

  /**
   * Pools every RoI to a {@code [P, P, C]} grid.
   *
   * @param features float32 {@code [B, H, W, C]}; receives the gradient
   * @param boxes float32 {@code [K, 5]} = (batch_idx, x1, y1, x2, y2) in input pixels; batch_idx
   *     must lie in [0, B) (checked at run time); no gradient flows into the boxes
   * @param outputSize P, the pooled height and width (>= 1)
   * @param spatialScale input pixels to feature cells (1/32 for a ResNet layer4 map)
   * @param samplingRatio samples per bin and axis if > 0; <= 0 (torchvision's -1) means adaptive,
   *     {@code ceil(roi_size / P)} per RoI and axis
   * @param aligned torchvision's {@code aligned}: shift by -0.5 cell and do not clamp the RoI size
   * @return float32 {@code [K, P, P, C]}
   */
  public static Operand<TFloat32> roiAlign(
      Ops tf,
      Operand<TFloat32> features,
      Operand<TFloat32> boxes,
      int outputSize,
      float spatialScale,
      int samplingRatio,
      boolean aligned) {
    if (outputSize < 1) {
      throw new UserError("RoIAlign output size " + outputSize + " must be at least 1");
    }
    if (!(spatialScale > 0f) || Float.isInfinite(spatialScale)) {
      throw new UserError(
          "RoIAlign spatial scale " + spatialScale + " must be a positive number (e.g. 1/32)");
    }
    if (features.shape().numDimensions() != 4) {
      throw new UserError(
          "RoIAlign needs NHWC features of rank 4, got shape " + features.shape());
    }
    if (boxes.shape().numDimensions() != 2
        || (boxes.shape().size(1) != -1 && boxes.shape().size(1) != 5)) {
      throw new UserError(
          "RoIAlign needs boxes [K,5] = (batch_idx, x1, y1, x2, y2), got shape " + boxes.shape());
    }
    Ops s = tf.withSubScope("roi_align");
    Operand<TInt32> shape = s.shape(features);
    Operand<TInt32> batch = dim(s, features, shape, 0);
    Operand<TInt32> height = dim(s, features, shape, 1);
    Operand<TInt32> width = dim(s, features, shape, 2);
    Operand<TInt32> channels = dim(s, features, shape, 3);
    int p = outputSize;

    Operand<TFloat32> rois = s.stopGradient(boxes);
    Operand<TFloat32> wy =
        axisWeights(s, column(s, rois, 2), column(s, rois, 4), height, p, spatialScale,
            samplingRatio, aligned); // [K,P,H]
    Operand<TFloat32> wx =
        axisWeights(s, column(s, rois, 1), column(s, rois, 3), width, p, spatialScale,
            samplingRatio, aligned); // [K,P,W]

    // M[k, py, px, h, w] = Wy[k,py,h] * Wx[k,px,w], flattened to [K, P*P, H*W].
    Operand<TInt32> hw = s.math.mul(height, width);
    Operand<TFloat32> roiWeights =
        s.reshape(
            s.math.mul(
                s.reshape(wy, s.stack(List.of(s.constant(-1), s.constant(p), s.constant(1), height,
                    s.constant(1)))),
                s.reshape(wx, s.stack(List.of(s.constant(-1), s.constant(1), s.constant(p),
                    s.constant(1), width)))),
            s.stack(List.of(s.constant(-1), s.constant(p * p), hw)));

    // Slot of each RoI among the RoIs of its image: exclusive running count of its batch index.
    Operand<TInt32> image = s.dtypes.cast(column(s, rois, 0), TInt32.class); // truncates, as torch
    Operand<TBool> imageInRange =
        s.all(
            s.math.logicalAnd(
                s.math.greaterEqual(image, s.constant(0)), s.math.less(image, batch)),
            s.constant(0));
    Ops checked =
        s.withControlDependencies(
            List.of(
                s.assertThat(
                    imageInRange,
                    List.of(
                        s.constant("RoIAlign: a box batch index is outside [0, batch size)"),
                        batch))));
    // Counted in float32 (exact below 2^24 RoIs): Cumsum/OneHot have kernels for it on every
    // device.
    Operand<TFloat32> oneHot = s.oneHot(image, batch, s.constant(1f), s.constant(0f)); // [K,B]
    Operand<TInt32> slot =
        s.dtypes.cast(
            s.sum(
                s.math.mul(s.math.cumsum(oneHot, s.constant(0), Cumsum.exclusive(true)), oneHot),
                s.constant(1)),
            TInt32.class); // [K]
    Operand<TInt32> slots =
        s.dtypes.cast(
            s.math.maximum(s.max(s.sum(oneHot, s.constant(0)), s.constant(0)), s.constant(1f)),
            TInt32.class); // S, at least 1 so that K = 0 still gives a valid shape
    Operand<TFloat32> padded =
        s.reshape(
            checked.scatterNd(
                s.stack(List.of(image, slot), Stack.axis(1L)),
                roiWeights,
                s.stack(List.of(batch, slots, s.constant(p * p), hw))),
            s.stack(List.of(batch, s.math.mul(slots, s.constant(p * p)), hw))); // [B, S*P*P, H*W]
    Operand<TFloat32> perImage =
        s.train.batchMatMul(
            padded, s.reshape(features, s.stack(List.of(batch, hw, channels))), TFloat32.class);
    Operand<TFloat32> rows =
        s.reshape(perImage, s.stack(List.of(s.constant(-1), s.math.mul(s.constant(p * p),
            channels)))); // [B*S, P*P*C]
    Operand<TFloat32> pooled =
        s.gather(rows, s.math.add(s.math.mul(image, slots), slot), s.constant(0)); // [K, P*P*C]
    return s.reshape(
        pooled, s.stack(List.of(s.constant(-1), s.constant(p), s.constant(p), channels)));
  }

  /**
   * The 1-D bilinear weights of one axis, averaged over each bin's samples: [K, P, size].
   * {@code start}/{@code end} are the RoI's edges on this axis in input pixels.
   */
  private static Operand<TFloat32> axisWeights(
      Ops s,
      Operand<TFloat32> start,
      Operand<TFloat32> end,
      Operand<TInt32> size,
      int p,
      float spatialScale,
      int samplingRatio,
      boolean aligned) {
    Operand<TFloat32> offset = s.constant(aligned ? 0.5f : 0f);
    Operand<TFloat32> scale = s.constant(spatialScale);
    Operand<TFloat32> lo = s.math.sub(s.math.mul(start, scale), offset);
    Operand<TFloat32> hi = s.math.sub(s.math.mul(end, scale), offset);
    Operand<TFloat32> length = s.math.sub(hi, lo);
    if (!aligned) {
      length = s.math.maximum(length, s.constant(1f));
    }
    Operand<TFloat32> bin = s.math.div(length, s.constant((float) p)); // [K]
    Operand<TFloat32> grid; // samples per bin on this axis, per RoI; <= 0 means none
    Operand<TInt32> maxGrid; // G, the sample-grid size covering every RoI
    if (samplingRatio > 0) {
      grid = s.math.mul(s.onesLike(bin), s.constant((float) samplingRatio));
      maxGrid = s.constant(samplingRatio);
    } else {
      grid = s.math.maximum(s.math.ceil(bin), s.constant(0f));
      maxGrid =
          s.dtypes.cast(
              s.math.maximum(s.max(grid, s.constant(0)), s.constant(1f)), TInt32.class);
    }
    Operand<TFloat32> divisor = s.math.maximum(grid, s.constant(1f));

    Operand<TFloat32> sampleIndex =
        s.reshape(
            s.dtypes.cast(s.range(s.constant(0), maxGrid, s.constant(1)), TFloat32.class),
            s.constant(new int[] {1, 1, -1})); // [1,1,G]
    Operand<TFloat32> binIndex =
        s.reshape(s.constant(binIndices(p)), s.constant(new int[] {1, p, 1})); // [1,P,1]
    Operand<TFloat32> lo3 = s.reshape(lo, s.constant(new int[] {-1, 1, 1}));
    Operand<TFloat32> bin3 = s.reshape(bin, s.constant(new int[] {-1, 1, 1}));
    Operand<TFloat32> grid3 = s.reshape(grid, s.constant(new int[] {-1, 1, 1}));
    Operand<TFloat32> divisor3 = s.reshape(divisor, s.constant(new int[] {-1, 1, 1}));
    // Sample coordinate in cells, [K,P,G]: start + p*bin + (i + 0.5) * bin / g.
    Operand<TFloat32> coord =
        s.math.add(
            s.math.add(lo3, s.math.mul(binIndex, bin3)),
            s.math.div(s.math.mul(s.math.add(sampleIndex, s.constant(0.5f)), bin3), divisor3));

    Operand<TFloat32> sizeF = s.dtypes.cast(size, TFloat32.class);
    Operand<TBool> used =
        s.math.logicalAnd(
            s.math.less(sampleIndex, grid3),
            s.math.logicalAnd(
                s.math.greaterEqual(coord, s.constant(-1f)), s.math.lessEqual(coord, sizeF)));
    Operand<TFloat32> clamped =
        s.math.minimum(
            s.math.maximum(coord, s.constant(0f)), s.math.sub(sizeF, s.constant(1f)));
    Operand<TFloat32> cells =
        s.reshape(
            s.dtypes.cast(s.range(s.constant(0), size, s.constant(1)), TFloat32.class),
            s.constant(new int[] {1, 1, 1, -1})); // [1,1,1,size]
    Operand<TFloat32> tent =
        s.nn.relu(
            s.math.sub(
                s.constant(1f),
                s.math.abs(s.math.sub(s.expandDims(clamped, s.constant(-1)), cells))));
    Operand<TFloat32> weights =
        s.select(s.expandDims(used, s.constant(-1)), tent, s.zerosLike(tent)); // [K,P,G,size]
    return s.math.div(
        s.sum(weights, s.constant(2)),
        s.reshape(divisor, s.constant(new int[] {-1, 1, 1}))); // [K,P,size]
  }

  private static float[] binIndices(int p) {
    float[] v = new float[p];
    for (int i = 0; i < p; i++) {
      v[i] = i;
    }
    return v;
  }

  /** Column j of the [K,5] boxes, [K]. */
  private static Operand<TFloat32> column(Ops s, Operand<TFloat32> rois, int j) {
    return s.stridedSlice(rois, Indices.all(), Indices.at(j));
  }

  /** Dimension i of x as a scalar: a constant when known while building, else read at run time. */
  private static Operand<TInt32> dim(Ops s, Operand<?> x, Operand<TInt32> shape, int i) {
    long known = x.shape().size(i);
    if (known >= 0) {
      return s.constant((int) known);
    }
    return s.stridedSlice(shape, Indices.at(i));
  }
}
