package org.scrl4j.config;

/**
 * The whole run configuration. YAML keys are the snake_case forms of these component names
 * ({@code loadDir} is {@code load_dir}); every field has a default in {@link #defaults()}, so a YAML
 * file lists only what it changes. Top-level fields double as command-line flags
 * ({@code --load_dir DIR} is the override {@code --load_dir=DIR}).
 */
public record Config(
    /** Where to resume or evaluate from; null means save_dir. */
    String loadDir,
    /** Run folder; null means runs/<config name>_NNN, the next free number. */
    String saveDir,
    /** Seeds weights, data order and augmentation; runs with the same seed repeat. */
    long seed,
    /** tcp://host:port of machine 0 for multi-machine runs, "auto" to pick one, null for one process. */
    String distUrl,
    int numMachines,
    int machineRank,
    /** Replicas per machine (GPUs with the gpu build; CPU devices otherwise). */
    int numDevices,
    /** "cpu", "gpu", or "auto" (GPU when the native build has one). */
    String device,
    /** Seconds a replica waits for the others before stopping with the name of the lost rank. */
    int distTimeoutSeconds,
    NetworkConfig network,
    DatasetConfig dataset,
    AugmentConfig augment,
    TrainConfig train,
    EvalConfig eval) {

  public static Config defaults() {
    return new Config(null, null, 0L, null, 1, 0, 1, "auto", 300,
        NetworkConfig.defaults(), DatasetConfig.defaults(), AugmentConfig.defaults(),
        TrainConfig.defaults(), EvalConfig.defaults());
  }

  /** "scrl" or "byol": the method this config trains. */
  public String method() {
    return network.scrl().enabled() ? "scrl" : "byol";
  }

  /** Processes times devices: the number of replicas sharing each step. */
  public int worldSize() {
    return numMachines * numDevices;
  }
}
