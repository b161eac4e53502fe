package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.data.Jpegs;
import org.scrl4j.data.Split;
import org.scrl4j.data.TfRecordSource;

class InputBenchmarkTest {
  @TempDir Path dir;

  @Test
  void reportsOneJsonLineFromGeneratedImageNetSizedShards() throws Exception {
    String line = InputBenchmark.run(dir, 6, 2, 1, 0.5, 0);
    System.out.println(line);
    assertTrue(line.startsWith("{\"bench\":\"input\""), line);
    assertTrue(line.contains("\"image_size\":\"500x375\""), line);
    assertTrue(line.matches(".*\"images_per_sec\":[0-9.]+,\"views_per_sec\":[0-9.]+,"
        + "\"epoch_start_cpu_ms\":[0-9.]+,\"epoch_start_seconds\":[0-9.]+}"), line);
    assertEquals(-1, line.indexOf('\n'));
    TfRecordSource generated = TfRecordSource.open(dir.resolve("input-bench-6"), Split.TRAIN);
    assertEquals(6, generated.size());
    byte[] jpeg = generated.readImage(0);
    assertTrue(Jpegs.isJpeg(jpeg));
    assertTrue(jpeg.length > 40_000, "JPEG of " + jpeg.length + " bytes is not ImageNet-like");
  }

  @Test
  void configFlagMeasuresThatConfigsAugmentationAndBatch() throws Exception {
    InputBenchmark.run(dir, 6, 2, 1, 0.1, 0); // generated shards to read
    Path yaml = dir.resolve("small.yaml");
    Files.writeString(yaml, "augment:\n  type: simple\n  input_size: 48\ntrain:\n  batch_size_train: 3\n");
    CommandFlags flags = new CommandFlags("bench");
    InputThroughputBenchmark bench = new InputThroughputBenchmark();
    bench.declare(flags);
    flags.parse(List.of("--config", yaml.toString(), "--data", dir.resolve("input-bench-6").toString(),
        "--seconds", "0.2"));
    Map<String, Object> out = bench.run(flags);
    assertEquals(yaml.toString(), out.get("config"));
    assertEquals("simple", out.get("augment"));
    assertEquals(48, out.get("view_size"));
    assertEquals(3, out.get("batch"));
  }
}
