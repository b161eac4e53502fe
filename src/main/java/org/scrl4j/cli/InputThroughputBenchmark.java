package org.scrl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigLoader;
import org.scrl4j.data.PretrainAugmentation;
import org.scrl4j.method.ExperimentSpec;

/**
 * {@code bench --what input --source tfrecord}: two-view SCRL pre-training examples per second
 * from TFRecord shards of ImageNet-size JPEGs (generated once into --work), or from the user's
 * own dataset root ({@code --data}), all cores; with the paper's 224 px augmentation, or with
 * a training config's augmentation, boxes and batch ({@code --config}, e.g. the demo's 32 px).
 */
public final class InputThroughputBenchmark implements Benchmark {
  @Override
  public String what() {
    return "input";
  }

  @Override
  public void declare(CommandFlags flags) {
    flags.flag("source", "SOURCE", "tfrecord (the only one; default)")
        .flag("data", "DIR", "your own images instead of generated ones: a dataset root as "
            + "training reads it (train-*-of-* TFRecord shards, or train/<class>/*.JPEG)")
        .flag("config", "FILE", "with --data: the augmentation, boxes and batch size of this"
            + " training config instead of the paper's 224 px defaults")
        .flag("images", "N", "distinct generated images (default 64)")
        .flag("batch", "N", "images per batch (default 32)")
        .flag("seconds", "S", "timed duration (default 20)")
        .flag("threads", "N", "parallel map calls (default 0: all cores)")
        .flag("work", "DIR", "where the generated shards are kept (default $TMPDIR/scrl4j-bench)");
  }

  @Override
  public Map<String, Object> run(CommandFlags flags) throws Exception {
    flags.choice("source", "tfrecord", "tfrecord");
    String data = flags.optional("data", null);
    String config = flags.optional("config", null);
    if (config != null && data == null) {
      throw flags.error("--config needs --data DIR (the dataset root its training reads)");
    }
    if (data != null) {
      // the paper's 224 px augmentation and batch 32, or the config's augmentation, boxes and batch
      PretrainAugmentation augmentation = PretrainAugmentation.defaults();
      int batch = 32;
      Map<String, Object> out = new LinkedHashMap<>();
      if (config != null) {
        Config cfg = ConfigLoader.load(Path.of(config), List.of());
        augmentation = new PretrainAugmentation(ExperimentSpec.augment(cfg), ExperimentSpec.boxes(cfg));
        batch = cfg.train().batchSizeTrain();
        out.put("config", config);
      }
      out.putAll(InputBenchmark.measureData(Path.of(data), augmentation, flags.integer("batch", batch), 2,
          flags.number("seconds", 20), flags.integer("threads", 0)));
      return out;
    }
    Path work = Path.of(flags.optional("work", System.getProperty("java.io.tmpdir") + "/scrl4j-bench"));
    Files.createDirectories(work);
    return InputBenchmark.measure(work, flags.integer("images", 64), flags.integer("batch", 32), 2,
        flags.number("seconds", 20), flags.integer("threads", 0));
  }
}
