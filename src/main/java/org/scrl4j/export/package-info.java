/**
 * Pre-trained backbones for downstream use, separate from training.
 *
 * <p>Every exporter starts from {@link org.scrl4j.export.BackboneWeights}: a complete torchvision
 * ResNet backbone (torchvision names, torch layouts), built from torchvision-named arrays
 * ({@code fromTorch}), from TF-named checkpoint variables ({@code fromTfVariables}), from a live
 * {@link org.scrl4j.model.ParamStore} ({@code fromParamStore}) or from a checkpoint directory
 * ({@link org.scrl4j.export.CheckpointBackbone#read}).
 *
 * <ul>
 *   <li>{@link org.scrl4j.export.SavedModelExporter}: TensorFlow SavedModel, tag "serve",
 *       signature "serving_default": {@code images} float32 [N,H,W,3] RGB, (x/255 - mean)/std with
 *       the ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) -> {@code c2..c5}
 *       (layer1..layer4, NHWC, strides 4..32) and {@code pooled} [N,C]; batch norm in inference
 *       mode; variables {@code backbone/<torchvision name>} in TF layouts.
 *   <li>{@link org.scrl4j.export.TorchvisionExporter}: .npz for
 *       {@code torchvision.models.resnetXX().load_state_dict(..., strict=False)}.
 *   <li>{@link org.scrl4j.export.Detectron2Exporter}: the .pkl Detectron2's checkpointer reads
 *       (MODEL.WEIGHTS), Detectron2 ResNet names, with the matching config lines.
 *   <li>{@link org.scrl4j.export.ImageEmbedder}: pooled features of image files through the
 *       evaluation transform ({@link org.scrl4j.export.EvalTransform}, the graph of
 *       {@link org.scrl4j.data.augment.ViewTransforms#center} that training and the probe use).
 * </ul>
 *
 * <p>No export holds preprocessing. {@link org.scrl4j.export.Preprocessing} is the evaluation
 * transform of the checkpoint's run (resize the shorter side to input_size + center_crop_pad,
 * centre crop input_size, from the config state.json keeps): {@code embed} applies it, and
 * {@code export} prints it in the snippets and writes it as {@code preprocessing.json} (inside a
 * SavedModel directory, {@code FILE.preprocessing.json} beside an .npz or .pkl).
 *
 * <p>Subcommands: {@code tools/scrl export} ({@link org.scrl4j.cli.ExportCommand}) and
 * {@code tools/scrl embed} ({@link org.scrl4j.cli.EmbedCommand}).
 */
package org.scrl4j.export;

