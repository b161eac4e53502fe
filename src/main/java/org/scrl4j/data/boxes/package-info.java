/**
 * The SCRL box generator: spatially matched box pairs in the two views of an image, as graph ops
 * per image pair ({@link org.scrl4j.data.boxes.BoxGenerator}), and the batched RoIAlign rows
 * ({@link org.scrl4j.data.boxes.RoiRows}). {@code tools/scrl boxes} draws them
 * ({@link org.scrl4j.cli.BoxPreviewCommand}).
 */
package org.scrl4j.data.boxes;

