package org.scrl4j.config;

/** Backbone and heads. */
public record NetworkConfig(
    /** resnet18, resnet34, resnet50 or resnet101. */
    String name,
    /** Base width of the ResNet (64 is torchvision's); narrower nets for small machines and tests. */
    int width,
    ProjHeadConfig projHead,
    ScrlConfig scrl) {

  public static NetworkConfig defaults() {
    return new NetworkConfig("resnet50", 64, ProjHeadConfig.defaults(), ScrlConfig.defaults());
  }
}
