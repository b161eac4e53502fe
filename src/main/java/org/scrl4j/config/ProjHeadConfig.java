package org.scrl4j.config;

/** Projector and predictor MLP sizes: input -> hidden -> output. */
public record ProjHeadConfig(int inputSize, int hiddenSize, int outputSize) {
  public static ProjHeadConfig defaults() {
    return new ProjHeadConfig(2048, 4096, 256);
  }
}
