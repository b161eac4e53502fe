/**
 * The BYOL/SCRL method: {@link org.scrl4j.method.PretrainStep} (one training step as a graph:
 * online and target branches, the regression loss, the evaluator, gradients, LARS, EMA),
 * {@link org.scrl4j.method.ExperimentSpec} (a config as step settings), the step on a reference
 * case ({@link org.scrl4j.method.StepVerifier}) and the graph summary of the step.
 */
package org.scrl4j.method;
