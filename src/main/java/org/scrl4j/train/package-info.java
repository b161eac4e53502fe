/**
 * The pre-training run: {@link org.scrl4j.train.Experiment} (pre-training, then linear
 * evaluation), {@link org.scrl4j.train.Pretraining} (the loop over epochs and steps with
 * checkpoints, online validation, TensorBoard scalars and progress) over the graph that
 * {@code PretrainingGraph} builds once, the resume position, the run's log file and the
 * non-finite-loss stop.
 */
package org.scrl4j.train;
