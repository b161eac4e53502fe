package org.scrl4j.config;

import java.util.List;
import org.scrl4j.common.UserError;

/** Checks values that parse but make no sense, naming the key, the value and what is allowed. */
final class ConfigValidator {
  private ConfigValidator() {}

  static void validate(Config c) {
    oneOf("network/name", c.network().name(), List.of("resnet18", "resnet34", "resnet50", "resnet101"));
    positive("network/width", c.network().width());
    oneOf("dataset/format", c.dataset().format(), List.of("auto", "tfrecord", "folder", "idx"));
    oneOf("augment/type", c.augment().type(), List.of("simclr", "simple", "none"));
    oneOf("train/optim/quirks", c.train().optim().quirks(), List.of("reference", "clean"));
    oneOf("train/precision", c.train().precision(), List.of("float32", "mixed_bfloat16", "mixed_float16"));
    oneOf("device", c.device(), List.of("auto", "cpu", "gpu"));
    positive("augment/input_size", c.augment().inputSize());
    pair("augment/crop_scale", c.augment().cropScale(), true);
    pair("augment/blur_prob", c.augment().blurProb(), false);
    pair("augment/solarize_prob", c.augment().solarizeProb(), false);
    positive("train/batch_size_train", c.train().batchSizeTrain());
    positive("train/batch_size_eval", c.train().batchSizeEval());
    positive("train/max_epochs", c.train().maxEpochs());
    if (c.train().warmupEpochs() >= c.train().maxEpochs()) {
      throw new UserError("train/warmup_epochs (" + c.train().warmupEpochs() + ") must be less than "
          + "train/max_epochs (" + c.train().maxEpochs() + ")");
    }
    if (c.eval().warmupEpochs() >= c.eval().maxEpochs()) {
      throw new UserError("eval/warmup_epochs (" + c.eval().warmupEpochs() + ") must be less than "
          + "eval/max_epochs (" + c.eval().maxEpochs() + ")");
    }
    nonNegative("train/warmup_epochs", c.train().warmupEpochs());
    nonNegative("train/stop_at_epoch", c.train().stopAtEpoch());
    if (c.train().stopAtEpoch() > c.train().maxEpochs()) {
      throw new UserError("train/stop_at_epoch (" + c.train().stopAtEpoch() + ") is after train/max_epochs ("
          + c.train().maxEpochs() + "): set it to at most " + c.train().maxEpochs() + ", or 0 to run to the end");
    }
    nonNegative("augment/center_crop_pad", c.augment().centerCropPad());
    positive("train/valid_interval", c.train().validInterval());
    positive("train/snapshot_interval", c.train().snapshotInterval());
    positive("eval/max_epochs", c.eval().maxEpochs());
    positive("eval/batch_size_train", c.eval().batchSizeTrain());
    positive("eval/batch_size_eval", c.eval().batchSizeEval());
    positive("eval/valid_interval", c.eval().validInterval());
    positive("num_machines", c.numMachines());
    positive("num_devices", c.numDevices());
    positive("network/scrl/num_patches_per_image", c.network().scrl().numPatchesPerImage());
    if (c.train().m() < 0 || c.train().m() > 1) {
      throw new UserError("config key 'train/m' must be in [0, 1], got " + c.train().m());
    }
    if (c.machineRank() < 0 || c.machineRank() >= c.numMachines()) {
      throw new UserError("machine_rank " + c.machineRank() + " is out of range for num_machines "
          + c.numMachines() + " (use 0.." + (c.numMachines() - 1) + ")");
    }
    if (c.numMachines() > 1 && c.distUrl() == null) {
      throw new UserError("num_machines " + c.numMachines() + " needs --dist_url tcp://HOST:PORT of "
          + "machine 0 (or --dist_url auto on machine 0 to pick one)");
    }
    if (c.eval().standardizeFeatures() && !c.eval().cachedFeatures()) {
      throw new UserError("eval/standardize_features=true needs eval/cached_features=true (the "
          + "statistics come from the cached training features)");
    }
    if (c.eval().finetune()) {
      throw new UserError("eval/finetune=true is not supported: the evaluation protocol is linear "
          + "(as in the original); set eval/finetune=false");
    }
    if (c.network().scrl().poolSize() != 1 && c.network().scrl().enabled()) {
      // The projector takes pooled vectors; larger pools would need a flatten the original never had.
      throw new UserError("network/scrl/pool_size must be 1 (got " + c.network().scrl().poolSize() + ")");
    }
  }

  private static void oneOf(String key, String value, List<String> allowed) {
    if (value == null || !allowed.contains(value)) {
      throw new UserError("config key '" + key + "' must be one of " + String.join(", ", allowed)
          + ", got " + (value == null ? "null" : "'" + value + "'"));
    }
  }

  private static void positive(String key, long value) {
    if (value <= 0) {
      throw new UserError("config key '" + key + "' must be a positive integer, got " + value);
    }
  }

  private static void nonNegative(String key, long value) {
    if (value < 0) {
      throw new UserError("config key '" + key + "' must be >= 0, got " + value);
    }
  }

  private static void pair(String key, List<Double> values, boolean ordered) {
    if (values.size() != 2) {
      throw new UserError("config key '" + key + "' takes two numbers, e.g. [0.2, 1.0], got " + values);
    }
    for (double v : values) {
      if (v < 0 || v > 1) {
        throw new UserError("config key '" + key + "' values must be in [0, 1], got " + values);
      }
    }
    if (ordered && values.get(0) > values.get(1)) {
      throw new UserError("config key '" + key + "' must be [low, high], got " + values);
    }
  }
}
