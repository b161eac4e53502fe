/**
 * Datasets and input pipelines.
 *
 * <p>Sources ({@link org.scrl4j.data.ImageSources#open}): ImageNet as TFRecord shards in the
 * standard layout ({@link org.scrl4j.data.TfRecordSource}) or as class folders
 * ({@link org.scrl4j.data.FolderSource}). Opening a split indexes every image, so each process can
 * read its own part of a per-epoch global permutation ({@link org.scrl4j.data.EpochPlan}).
 *
 * <p>Pipelines ({@link org.scrl4j.data.Pipelines}, {@link org.scrl4j.data.InputPipeline}) are
 * tf.data graphs: the epoch's image list is fed when the iterator is initialised, a parallel map
 * reads and decodes each record (each {@link org.scrl4j.data.ImageSource} in its own format) and
 * applies an {@link org.scrl4j.data.ImageTransform}
 * (the augmentations of {@code org.scrl4j.data.augment}), then batch and prefetch. A training step
 * takes the batch operands directly.
 *
 * <p>A trainer's epoch:
 *
 * <pre>{@code
 * ImageSource train = ImageSources.open(root, Split.TRAIN);      // train.size(), numClasses()
 * InputPipeline in = Pipelines.pretraining(tf.withSubScope("input"), train,
 *     PretrainAugmentation.defaults(), PipelineOptions.training(batch, rank, world, seed));
 * Pipelines.PretrainBatch b = Pipelines.pretrainBatch(tf, in);  // images, rois, labels operands
 * ... build the step on b ...
 * in.startEpoch(session, epoch, firstStep);                     // firstStep > 0 when resuming
 * for (long s = firstStep; s < in.stepsPerEpoch(); s++) {
 *   try { session.runner().addTarget(step).run(); }
 *   catch (RuntimeException e) { UserError u = in.explain(session, e); throw u != null ? u : e; }
 * }
 * in.endEpoch(session);                                         // logs skipped corrupt records
 * }</pre>
 *
 * <p>{@code tools/scrl convert} ({@link org.scrl4j.cli.ConvertCommand}) writes folders or
 * Fashion-MNIST as standard-layout shards; {@link org.scrl4j.cli.InputBenchmark} measures the
 * pre-training pipeline.
 */
package org.scrl4j.data;

