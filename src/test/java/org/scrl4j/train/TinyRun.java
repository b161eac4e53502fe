package org.scrl4j.train;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.scrl4j.checkpoint.RunDirectory;
import org.scrl4j.cli.Main;

/**
 * A tiny whole-program run for end-to-end tests: a class-folder dataset of noisy JPEGs whose mean
 * colour depends on the class (so the linear probe has something to learn), a config with a
 * ResNet-18 of width 4 on 32 px crops, and the command line run in-process or in a child JVM.
 */
final class TinyRun {
  static final int CLASSES = 3;
  static final int TRAIN_PER_CLASS = 12; // 36 images, batch 8: 4 steps per epoch
  static final int VAL_PER_CLASS = 4;

  private TinyRun() {}

  /** {@code root/train/class_c/img_k.JPEG} and {@code root/val/...}, deterministic content. */
  static Path dataset(Path root) throws IOException {
    Random random = new Random(42);
    for (String split : List.of("train", "val")) {
      int n = split.equals("train") ? TRAIN_PER_CLASS : VAL_PER_CLASS;
      for (int c = 0; c < CLASSES; c++) {
        Path dir = Files.createDirectories(root.resolve(split).resolve("class_" + c));
        for (int k = 0; k < n; k++) {
          ImageIO.write(noisyImage(random, c, 36 + 4 * (k % 3)), "jpg",
              dir.resolve(String.format("img_%02d.JPEG", k)).toFile());
        }
      }
    }
    return root;
  }

  private static BufferedImage noisyImage(Random random, int cls, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int[] rgb = new int[3];
        for (int ch = 0; ch < 3; ch++) {
          int mean = ch == cls ? 190 : 70;
          rgb[ch] = Math.max(0, Math.min(255, mean + (int) (random.nextGaussian() * 40)));
        }
        img.setRGB(x, y, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
      }
    }
    return img;
  }

  /** The run's config: 2 epochs of 4 steps, SCRL on 32 px crops, cached-features linear probe. */
  static Path config(Path file, Path datasetRoot) throws IOException {
    String yaml = String.join("\n",
        "seed: 7",
        "network:",
        "  name: resnet18",
        "  width: 4",
        "  proj_head: {input_size: 32, hidden_size: 32, output_size: 16}",
        "  scrl: {enabled: true, min_size: 8, num_patches_per_image: 4}",
        "dataset: {format: folder, root: " + datasetRoot + "}",
        "augment: {input_size: 32}",
        "train: {batch_size_train: 8, batch_size_eval: 12, max_epochs: 2, warmup_epochs: 1,"
            + " valid_interval: 1, snapshot_interval: 1, num_workers: 2, checkpoint_minutes: 0}",
        "eval: {max_epochs: 2, warmup_epochs: 1, valid_interval: 1, batch_size_train: 12,"
            + " batch_size_eval: 12, cached_features: true, num_workers: 2}",
        "");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }

  /** An exit code and what the run printed on stderr. */
  record Exit(int code, String stderr) {
    String firstLine() {
      return stderr.lines().filter(l -> l.startsWith("scrl:")).findFirst().orElse("");
    }
  }

  /** Runs {@code tools/scrl ARGS} in this JVM (no System.exit), capturing Main's stderr line. */
  static synchronized Exit main(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setErr(capture);
      int code = Main.run(args);
      return new Exit(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }

  /** Starts {@code org.scrl4j.cli.Main ARGS} in a child JVM on this test's class path. */
  static Process child(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-Dlog4j2.level=info", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    return pb.start();
  }

  /** The lines of log_result.txt without their timestamps. */
  static List<String> results(Path runDir) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(runDir.resolve(RunDirectory.RESULT_FILE))) {
      out.add(line.substring("yyyy-MM-dd HH:mm:ss ".length()));
    }
    return out;
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
