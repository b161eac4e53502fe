/**
 * Per-image augmentations of the original SCRL/BYOL code as TensorFlow graph ops.
 *
 * <p>Every function takes one decoded uint8 HWC [h, w, 3] image of any size and an int64 [2] seed
 * and uses only stateless random ops, so it can be built inside a tf.data map function and
 * reproduces exactly from the seed. The photometric half of the simclr view ({@link
 * org.scrl4j.data.augment.PhotometricAugment}) is drawn per image and applied to that image or,
 * for small views, to a whole batch after batching. Entry points:
 *
 * <ul>
 *   <li>{@link org.scrl4j.data.PretrainAugmentation#apply} - both pre-training views,
 *       their crops and flips and the SCRL box pairs ({@link org.scrl4j.data.PretrainSample});
 *   <li>{@link org.scrl4j.data.augment.ViewTransforms#center} - the evaluation transform;
 *   <li>{@link org.scrl4j.data.augment.ViewTransforms#linearEvalTrain} - linear-eval training.
 * </ul>
 *
 * <p>Fidelity: the original runs these transforms on PIL images. Resizes reproduce PIL's bicubic
 * (Keys a = -0.5, antialiased, two uint8 passes) within one grey level; colour ops follow
 * torchvision's tensor definitions on floats (PIL would round to uint8 after each op and quantise
 * the hue shift to 1/255 turn, differences of a grey level or two).
 */
package org.scrl4j.data.augment;

