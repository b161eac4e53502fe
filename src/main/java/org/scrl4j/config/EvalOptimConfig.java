package org.scrl4j.config;

/** LARS (every tensor adapted) with Nesterov momentum for the linear probe. */
public record EvalOptimConfig(double lr, double momentum, double weightDecay, boolean nesterov) {
  public static EvalOptimConfig defaults() {
    return new EvalOptimConfig(0.2, 0.9, 0.0, true);
  }
}
