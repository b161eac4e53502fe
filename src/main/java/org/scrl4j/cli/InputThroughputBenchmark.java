package org.scrl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.scrl4j.common.UserError;

/**
 * {@code bench --what input --source tfrecord}: two-view SCRL pre-training examples per second
 * from TFRecord shards of ImageNet-size JPEGs (generated once into --work), all cores.
 */
public final class InputThroughputBenchmark implements Benchmark {
  private static final Set<String> FLAGS = Set.of("source", "images", "batch", "seconds", "threads", "work");

  @Override
  public String what() {
    return "input";
  }

  @Override
  public String usage() {
    return "[--source tfrecord] [--images 64] [--batch 32] [--seconds 20] [--threads 0 (all cores)]"
        + " [--work /tmp/scrl4j-bench]";
  }

  @Override
  public Map<String, Object> run(Map<String, String> flags) throws Exception {
    for (String k : flags.keySet()) {
      if (!FLAGS.contains(k)) {
        throw new UserError("bench --what input: unknown flag --" + k + "; flags: " + usage());
      }
    }
    String source = flags.getOrDefault("source", "tfrecord");
    if (!source.equals("tfrecord")) {
      throw new UserError("bench --what input: --source " + source + " is not supported; use tfrecord");
    }
    Path work = Path.of(flags.getOrDefault("work", System.getProperty("java.io.tmpdir") + "/scrl4j-bench"));
    Files.createDirectories(work);
    return InputBenchmark.measure(work, integer(flags, "images", 64), integer(flags, "batch", 32), 2,
        Double.parseDouble(flags.getOrDefault("seconds", "20")), integer(flags, "threads", 0));
  }

  private static int integer(Map<String, String> flags, String key, int dflt) {
    try {
      return Integer.parseInt(flags.getOrDefault(key, Integer.toString(dflt)));
    } catch (NumberFormatException e) {
      throw new UserError("bench --what input: --" + key + " expects an integer, got '" + flags.get(key) + "'");
    }
  }
}
