package org.scrl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.RunDirectory;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.Progress;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigCommandLine;
import org.scrl4j.config.ConfigLoader;
import org.scrl4j.data.DatasetConverter;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.Split;
import org.scrl4j.dist.DistContext;
import org.scrl4j.eval.LinearEvaluation;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.CheckpointBackbone;
import org.scrl4j.export.Preprocessing;
import org.scrl4j.export.SavedModelExporter;
import org.scrl4j.export.TorchvisionExporter;
import org.scrl4j.train.Experiment;

/**
 * {@code tools/scrl demo [--src DIR] [overrides]}: the README's first command. Converts Fashion-MNIST
 * to TFRecords (cached under data/fashion-mnist), pre-trains with config/demo_fashion_mnist.yaml,
 * runs the linear probe, exports the backbone, and prints the probe's top-1 next to the same probe
 * on a randomly initialised backbone and on raw pixels, so the gain of pre-training is visible.
 */
public final class DemoCommand implements Command {
  static final String CONFIG = "config/demo_fashion_mnist.yaml";
  static final Path SYSTEM_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
  static final String INSTALL = "apt-get install -y dataset-fashion-mnist";
  private static final List<String> IDX_FILES = List.of("train-images-idx3-ubyte",
      "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

  /** One line of the final table. */
  public record Row(String features, double top1, Duration time) {}

  /** What the demo produced: the run folder, the three probe rows, the exports and the wall time. */
  public record Outcome(Path runDir, List<Row> rows, int trainImages, int testImages,
      Path torchvision, Path savedModel, Duration wallTime) {}

  @Override
  public String name() {
    return "demo";
  }

  @Override
  public String summary() {
    return "Fashion-MNIST end to end on a CPU: convert, pre-train SCRL, probe vs baselines, export";
  }

  @Override
  public int run(List<String> args) throws Exception {
    CommandFlags flags = new CommandFlags(name())
        .usage("tools/scrl demo [--src IDX_DIR] [--a/b/c=value ...]  (config " + CONFIG
            + "; --dataset/root is the TFRecord cache, default data/fashion-mnist)")
        .flag("src", "IDX_DIR", "folder of the Fashion-MNIST idx .gz files (default " + SYSTEM_FASHION_MNIST + ")");
    ConfigCommandLine.Parsed parsed = ConfigCommandLine.parse(flags, args);
    if (parsed.help()) {
      return 0; // printed
    }
    Path src = Path.of(flags.optional("src", SYSTEM_FASHION_MNIST.toString()));
    if (parsed.configFile() == null) {
      parsed = new ConfigCommandLine.Parsed(home().resolve(CONFIG), parsed.overrides(), false, false);
    }
    if (!Files.isRegularFile(parsed.configFile())) {
      throw new UserError("demo: config " + parsed.configFile() + " not found; run from the scrl4j "
          + "folder or pass --config " + CONFIG);
    }
    Config cfg = parsed.load();
    if (cfg.worldSize() != 1 || cfg.distUrl() != null) {
      throw new UserError("demo runs in one process; for several use tools/scrl --config " + CONFIG
          + " --dist_url ...");
    }
    Path cache = cfg.dataset().root() != null ? Path.of(cfg.dataset().root())
        : home().resolve("data/fashion-mnist");
    List<ConfigLoader.Override> overrides = new ArrayList<>(parsed.overrides());
    overrides.add(new ConfigLoader.Override("dataset/root", cache.toString()));
    cfg = ConfigLoader.load(parsed.configFile(), overrides);
    Outcome outcome = execute(cfg, src, cache);
    System.out.print(table(cfg, outcome));
    return 0;
  }

  /** The whole demo on {@code cfg}, whose dataset/root is {@code cache}. */
  public static Outcome execute(Config cfg, Path src, Path cache) throws IOException {
    long start = System.nanoTime();
    step(1, "Fashion-MNIST TFRecords in " + cache);
    ensureConverted(ensureInstalled(src), cache);

    step(2, "pre-training " + cfg.method().toUpperCase(Locale.ROOT) + " " + cfg.network().name()
        + " (width " + cfg.network().width() + ", " + cfg.augment().inputSize() + " px, "
        + cfg.train().maxEpochs() + " epochs), then the linear probe on its features");
    long t = System.nanoTime();
    Experiment.Result run = Experiment.run(cfg, "demo_fashion_mnist", DistContext.single());
    List<Row> rows = new ArrayList<>();
    rows.add(new Row(cfg.method().toUpperCase(Locale.ROOT) + " pre-trained " + arch(cfg),
        run.linear().lastTop1(), since(t)));

    ImageSource train = Experiment.source(cfg, Split.TRAIN);
    ImageSource val = Experiment.source(cfg, Split.VALIDATION);
    step(3, "the same probe on a randomly initialised " + arch(cfg) + " (seed " + cfg.seed() + ")");
    t = System.nanoTime();
    rows.add(new Row("random-init " + arch(cfg),
        LinearEvaluation.runOnRandomInit(cfg, DistContext.single(), train, val).lastTop1(), since(t)));

    int s = cfg.augment().inputSize();
    step(4, "the same probe on raw pixels (" + s + "x" + s + "x3 per image)");
    t = System.nanoTime();
    rows.add(new Row("raw pixels " + s + "x" + s + "x3",
        LinearEvaluation.runOnPixels(cfg, DistContext.single(), train, val).lastTop1(), since(t)));

    step(5, "exporting the pre-trained backbone into " + run.saveDir());
    Checkpoint checkpoint = CheckpointBackbone.find(run.saveDir());
    BackboneWeights w = CheckpointBackbone.read(checkpoint, cfg.network().name());
    Preprocessing preprocessing = Preprocessing.of(checkpoint); // as tools/scrl export writes it
    Path npz = run.saveDir().resolve("backbone_torchvision.npz");
    TorchvisionExporter.write(w, npz);
    preprocessing.write(Preprocessing.besideFile(npz));
    Path savedModel = run.saveDir().resolve("backbone_savedmodel");
    deleteTree(savedModel); // the demo's own export of an earlier run into this folder
    SavedModelExporter.export(w, savedModel);
    preprocessing.write(Preprocessing.insideDir(savedModel));
    // what the views and SCRL boxes of this config look like, next to its curves.png
    BoxPreviewCommand.writeFor(cfg, "config/demo_fashion_mnist.yaml", 8, run.saveDir().resolve("boxes.png"));
    Outcome outcome = new Outcome(run.saveDir(), rows, train.size(), val.size(), npz, savedModel,
        since(start));
    RunDirectory dir = RunDirectory.open(run.saveDir());
    for (String line : table(cfg, outcome).strip().split("\n")) {
      dir.appendResult(line);
    }
    return outcome;
  }

  /** The system copy, installed with apt when we are root (said aloud), else the command to run. */
  static Path ensureInstalled(Path src) throws IOException {
    if (hasIdxFiles(src)) {
      return src;
    }
    if (!src.equals(SYSTEM_FASHION_MNIST)) {
      throw new UserError("demo: --src " + src + " lacks the Fashion-MNIST idx files " + IDX_FILES
          + " (.gz)");
    }
    if (!isRoot()) {
      throw new UserError("Fashion-MNIST is not installed (" + src + "); install it with:  sudo "
          + INSTALL);
    }
    System.out.println("demo: Fashion-MNIST is missing; installing it as root: " + INSTALL);
    try {
      Process p = new ProcessBuilder("sh", "-c", INSTALL).inheritIO().start();
      if (p.waitFor() != 0 || !hasIdxFiles(src)) {
        throw new UserError("'" + INSTALL + "' failed (exit " + p.exitValue() + "); run it yourself"
            + " (apt-get update first if the package is unknown)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while installing Fashion-MNIST");
    }
    return src;
  }

  /**
   * Converts into a sibling folder then renames it, so {@code cache} existing means complete: an
   * interrupted conversion is redone, a finished one is reused.
   */
  static void ensureConverted(Path src, Path cache) throws IOException {
    if (Files.isDirectory(cache)) {
      System.out.println("demo: reusing the TFRecords in " + cache);
      return;
    }
    Path partial = cache.resolveSibling(cache.getFileName() + ".partial");
    new DatasetConverter(partial, 4, true, Runtime.getRuntime().availableProcessors())
        .fromFashionMnist(src);
    Files.move(partial, cache, StandardCopyOption.ATOMIC_MOVE);
  }

  static String table(Config cfg, Outcome o) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%nFashion-MNIST linear probe, top-1 on %s test images (probe: %d epochs,"
            + " %s, trained on %s training images)%n",
        o.testImages(), cfg.eval().maxEpochs(),
        cfg.eval().cachedFeatures() ? "cached centre-crop features" : "augmented crops",
        o.trainImages()));
    int width = o.rows().stream().mapToInt(r -> r.features().length()).max().orElse(10);
    sb.append(String.format("  %-" + width + "s  %7s  %8s%n", "features", "top-1 %", "time"));
    for (Row r : o.rows()) {
      sb.append(String.format(Locale.ROOT, "  %-" + width + "s  %7.2f  %8s%n", r.features(), r.top1(),
          Progress.formatDuration(r.time())));
    }
    double pre = o.rows().get(0).top1();
    sb.append(String.format(Locale.ROOT, "pre-training is %s random initialisation and %s raw pixels%n",
        versus(pre, o.rows().get(1).top1()), versus(pre, o.rows().get(2).top1())));
    sb.append(String.format("wall time %s; run folder %s%nexports: %s, %s%n", Progress.formatDuration(o.wallTime()),
        o.runDir(), o.torchvision(), o.savedModel()));
    return sb.toString();
  }

  private static String versus(double mine, double baseline) {
    return String.format(Locale.ROOT, "%.2f points %s", Math.abs(mine - baseline),
        mine > baseline ? "above" : "BELOW");
  }

  private static String arch(Config cfg) {
    return cfg.network().name() + " width " + cfg.network().width();
  }

  private static void step(int n, String what) {
    System.out.printf("%n[demo %d/5] %s%n", n, what);
    System.out.flush();
  }

  private static Duration since(long nanoStart) {
    return Duration.ofNanos(System.nanoTime() - nanoStart);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static boolean hasIdxFiles(Path dir) {
    for (String name : IDX_FILES) {
      if (!Files.isRegularFile(dir.resolve(name + ".gz")) && !Files.isRegularFile(dir.resolve(name))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isRoot() {
    try {
      return Files.readString(Path.of("/proc/self/status")).lines()
          .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
    } catch (IOException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** The scrl4j folder: tools/scrl passes it as scrl.home; otherwise the working directory. */
  private static Path home() {
    String h = System.getProperty("scrl.home");
    return Path.of(h != null ? h : ".");
  }
}
