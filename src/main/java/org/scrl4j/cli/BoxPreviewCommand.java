package org.scrl4j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigCommandLine;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.PretrainAugmentation;
import org.scrl4j.data.PretrainSample;
import org.scrl4j.data.Split;
import org.scrl4j.data.augment.AugmentParams;
import org.scrl4j.data.augment.ColorOps;
import org.scrl4j.data.boxes.BoxParams;
import org.scrl4j.method.ExperimentSpec;
import org.scrl4j.model.TensorValues;
import org.scrl4j.train.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * {@code tools/scrl boxes}: draws what SCRL learns from, with the augmentation and box generator
 * of a run's config (the paper's without one). A bar on top states those settings; then one row
 * per image: the original with the two crops outlined, then view 1 and view 2 as the network sees
 * them (un-normalised) with the matched box pairs in matching colours. Views under 64 px are drawn
 * enlarged so their boxes can be seen.
 */
public final class BoxPreviewCommand implements Command {
  private static final Logger LOG = LogManager.getLogger(BoxPreviewCommand.class);
  private static final Color VIEW1 = new Color(255, 80, 80);
  private static final Color VIEW2 = new Color(80, 160, 255);
  static final Color BAR = new Color(20, 20, 20);
  private static final int GAP = 8;
  private static final int LABEL = 18;
  private static final int BAR_LINE = 15;
  private static final String USAGE = "tools/scrl boxes [--config CFG] [--a/b=value ...]"
      + " [--dataset/root DIR | --images DIR] [--count N] [--seed S] --out PNG";

  /** What is drawn: settings, where they come from, whether the boxes are used at all. */
  record Settings(AugmentParams augment, BoxParams boxes, boolean scrl, String source, long seed) {}

  /** One input picture and the name written above its row. */
  record Picture(String name, BufferedImage image) {}

  private final AugmentParams fixedAugment;
  private final BoxParams fixedBoxes;

  /** Settings from the config on the command line (the paper's without one). */
  public BoxPreviewCommand() {
    this.fixedAugment = null;
    this.fixedBoxes = null;
  }

  /** Fixed settings instead of a config's (tests); --config and overrides are then refused. */
  BoxPreviewCommand(AugmentParams augment, BoxParams boxes) {
    this.fixedAugment = augment;
    this.fixedBoxes = boxes;
  }

  @Override
  public String name() {
    return "boxes";
  }

  @Override
  public String summary() {
    return "draw a config's two augmented views of some images with their matched SCRL boxes";
  }

  @Override
  public int run(List<String> args) throws Exception {
    CommandFlags flags = new CommandFlags(name()).usage(USAGE)
        .flagList("images", "DIR_OR_FILES", "image files, or folders searched recursively (jpg, jpeg,"
            + " png, bmp, gif), instead of the config's dataset")
        .flag("count", "N", "number of images (default 8)")
        .flag("out", "PNG", "output picture (default boxes.png)");
    ConfigCommandLine.Parsed parsed = ConfigCommandLine.parse(flags, args);
    if (parsed.help()) {
      return 0; // printed
    }
    int count = flags.positiveInt("count", 8);
    Path out = Path.of(flags.optional("out", "boxes.png"));
    Config cfg = parsed.load();
    Settings settings = settings(parsed, cfg);
    List<Picture> pictures;
    if (!flags.values("images").isEmpty()) {
      pictures = new ArrayList<>();
      for (Path f : imageFiles(flags.values("images"), count)) {
        pictures.add(new Picture(f.getFileName().toString(), read(f)));
      }
    } else if (cfg.dataset().root() != null) {
      pictures = fromDataset(cfg, count);
    } else {
      throw flags.error("no images: pass --images DIR, or --dataset/root DIR (or a --config whose"
          + " dataset/root is set)");
    }
    write(pictures, settings, out);
    return 0;
  }

  /**
   * The picture of {@code cfg}'s own augmentation and boxes on the first {@code count} training
   * images of its dataset, written to {@code out}: what {@code tools/scrl boxes --config} draws
   * (the demo puts one into its run folder).
   */
  public static void writeFor(Config cfg, String configName, int count, Path out) throws IOException {
    Settings settings = new Settings(ExperimentSpec.augment(cfg), ExperimentSpec.boxes(cfg),
        cfg.network().scrl().enabled(), configName, cfg.seed());
    write(fromDataset(cfg, count), settings, out);
  }

  private static void write(List<Picture> pictures, Settings settings, Path out) throws IOException {
    BufferedImage sheet = render(pictures, settings);
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ImageIO.write(sheet, "png", out.toFile());
    LOG.info("wrote {} ({} images, {}x{} px)", out, pictures.size(), sheet.getWidth(), sheet.getHeight());
  }

  private Settings settings(ConfigCommandLine.Parsed parsed, Config cfg) {
    if (fixedAugment != null) {
      if (parsed.configFile() != null || !parsed.overrides().stream()
          .allMatch(o -> o.path().equals("seed"))) {
        throw new UserError("boxes: this preview has fixed settings; it takes no --config or overrides");
      }
      return new Settings(fixedAugment, fixedBoxes, true, "fixed settings", cfg.seed());
    }
    String source = parsed.configFile() == null ? "defaults (the paper's settings)"
        : parsed.configFile().toString();
    int n = parsed.overrides().size();
    if (n > 0) {
      source += " + " + n + (n == 1 ? " override" : " overrides");
    }
    return new Settings(ExperimentSpec.augment(cfg), ExperimentSpec.boxes(cfg),
        cfg.network().scrl().enabled(), source, cfg.seed());
  }

  /** The first {@code count} training images of the config's dataset (after max_images). */
  private static List<Picture> fromDataset(Config cfg, int count) {
    ImageSource source = Experiment.source(cfg, Split.TRAIN);
    List<Picture> pictures = new ArrayList<>();
    for (int i = 0; i < Math.min(count, source.size()); i++) {
      try {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(source.readImage(i)));
        if (img == null) {
          throw new UserError("boxes: training image " + i + " of " + cfg.dataset().root()
              + " is not a JPEG, PNG, BMP or GIF");
        }
        pictures.add(new Picture("train #" + i, img));
      } catch (IOException e) {
        throw new UserError("boxes: cannot read training image " + i + " of " + cfg.dataset().root()
            + ": " + e.getMessage());
      }
    }
    return pictures;
  }

  /** The settings bar's lines, unwrapped. */
  static List<String> describe(Settings s) {
    AugmentParams a = s.augment();
    BoxParams b = s.boxes();
    List<String> lines = new ArrayList<>();
    lines.add("config: " + s.source() + ";  seed " + s.seed());
    lines.add(String.format(Locale.ROOT, "augment: %s, views %d x %d px, crop scale %.2f-%.2f of the"
            + " image area, flip %.2f, colour jitter %.2f, grayscale %.2f, blur %.2f/%.2f,"
            + " solarize %.2f/%.2f (view 1/2)",
        a.type().name().toLowerCase(Locale.ROOT), a.inputSize(), a.inputSize(), a.cropScaleMin(),
        a.cropScaleMax(), a.flipProb(), a.jitterProb(), a.grayscaleProb(), a.blurProbView1(),
        a.blurProbView2(), a.solarizeProbView1(), a.solarizeProbView2()));
    if (s.scrl()) {
      lines.add(String.format(Locale.ROOT, "boxes: %d per image, min side %d px, IoU below %.2f, %s,"
              + " %s", b.boxesPerImage(), b.minSize(), b.iouThreshold(),
          b.gridBased() ? "grid-based" : "uniform", b.boxJittering()
              ? String.format(Locale.ROOT, "view-2 jitter up to %.2f", b.jitteringRatio()) : "no jitter"));
    } else {
      lines.add("boxes: none used (BYOL: network/scrl/enabled is false); views only");
    }
    return lines;
  }

  /** Integer enlargement of small views, so a 32 px view and its boxes are drawn 128 px wide. */
  static int zoom(int viewSize) {
    return viewSize >= 64 ? 1 : (int) Math.ceil(128.0 / viewSize);
  }

  /** Augments each picture with seed (seed, index); the settings bar, then one row per picture. */
  static BufferedImage render(List<Picture> pictures, Settings settings) {
    AugmentParams augment = settings.augment();
    int s = augment.inputSize();
    int z = zoom(s);
    List<BufferedImage> rows = new ArrayList<>();
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TUint8> image = tf.placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, 3)));
      Placeholder<TInt64> seedIn = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      PretrainSample sample = new PretrainAugmentation(augment, settings.boxes()).apply(tf, image, seedIn);
      for (int i = 0; i < pictures.size(); i++) {
        BufferedImage original = pictures.get(i).image();
        try (TUint8 pixels = toTensor(original); TInt64 sd = TInt64.vectorOf(settings.seed(), i);
            Result r = session.runner().feed(image, pixels).feed(seedIn, sd)
                .fetch(sample.view1()).fetch(sample.view2()).fetch(sample.crop1())
                .fetch(sample.crop2()).fetch(sample.flip1()).fetch(sample.flip2())
                .fetch(sample.boxes1()).fetch(sample.boxes2()).fetch(sample.boxValid()).run()) {
          rows.add(row(original, pictures.get(i).name(), s, z,
              toImage((TFloat32) r.get(0), s), toImage((TFloat32) r.get(1), s),
              ints(r.get(2)), ints(r.get(3)), bool(r.get(4)), bool(r.get(5)),
              TensorValues.floats(r.get(6)), TensorValues.floats(r.get(7)),
              bool(r.get(8)) && settings.scrl()));
        }
      }
    }
    int width = rows.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    List<String> bar = wrap(describe(settings), font, width - 8);
    int barHeight = bar.size() * BAR_LINE + 6;
    int height = barHeight + rows.stream().mapToInt(b -> b.getHeight() + GAP).sum();
    BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, width, height);
    g.setColor(BAR);
    g.fillRect(0, 0, width, barHeight);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(font);
    g.setColor(Color.WHITE);
    for (int i = 0; i < bar.size(); i++) {
      g.drawString(bar.get(i), 4, 3 + (i + 1) * BAR_LINE - 3);
    }
    int y = barHeight;
    for (BufferedImage row : rows) {
      g.drawImage(row, 0, y, null);
      y += row.getHeight() + GAP;
    }
    g.dispose();
    return sheet;
  }

  /** Breaks each line after a comma or space so it fits {@code width} pixels. */
  private static List<String> wrap(List<String> lines, Font font, int width) {
    BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = scratch.createGraphics();
    FontMetrics fm = g.getFontMetrics(font);
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      String indent = "";
      String rest = line;
      while (fm.stringWidth(indent + rest) > width) {
        int cut = -1;
        for (int i = 1; i < rest.length(); i++) {
          if (rest.charAt(i) == ' ' && fm.stringWidth(indent + rest.substring(0, i)) <= width) {
            cut = i;
          }
        }
        if (cut < 0) {
          break; // one long word: let it run off
        }
        out.add(indent + rest.substring(0, cut));
        rest = rest.substring(cut + 1);
        indent = "    ";
      }
      out.add(indent + rest);
    }
    g.dispose();
    return out;
  }

  private static BufferedImage row(BufferedImage original, String name, int s, int zoom,
      BufferedImage v1, BufferedImage v2, int[] crop1, int[] crop2, boolean flip1, boolean flip2,
      float[] b1, float[] b2, boolean valid) {
    int d = s * zoom; // displayed view side
    double scale = d / (double) original.getHeight();
    int ow = (int) Math.round(original.getWidth() * scale);
    BufferedImage row = new BufferedImage(ow + 2 * (d + GAP), d + LABEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = row.createGraphics();
    // enlarged pixels stay sharp squares; shrunk originals are smoothed
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, zoom > 1
        ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, row.getWidth(), row.getHeight());
    g.drawImage(original, 0, LABEL, ow, d, null);
    g.setStroke(new BasicStroke(2f));
    outline(g, crop1, scale, VIEW1);
    outline(g, crop2, scale, VIEW2);
    g.drawImage(v1, ow + GAP, LABEL, d, d, null);
    g.drawImage(v2, ow + GAP + d + GAP, LABEL, d, d, null);
    int n = b1.length / 4;
    for (int i = 0; valid && i < n; i++) {
      Color c = Color.getHSBColor(i / (float) n, 0.9f, 1f);
      g.setColor(c);
      box(g, b1, i, ow + GAP, zoom);
      box(g, b2, i, ow + GAP + d + GAP, zoom);
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.WHITE);
    g.drawString(name, 2, 13);
    g.setColor(VIEW1);
    g.drawString("view 1" + (flip1 ? " (flipped)" : ""), ow + GAP, 13);
    g.setColor(VIEW2);
    g.drawString("view 2" + (flip2 ? " (flipped)" : "") + (valid ? "" : "  no boxes: crops overlap too little"),
        ow + GAP + d + GAP, 13);
    g.dispose();
    return row;
  }

  private static void outline(Graphics2D g, int[] crop, double scale, Color c) {
    g.setColor(c);
    g.drawRect((int) Math.round(crop[1] * scale), LABEL + (int) Math.round(crop[0] * scale),
        (int) Math.round(crop[3] * scale), (int) Math.round(crop[2] * scale));
  }

  private static void box(Graphics2D g, float[] b, int i, int x0, int zoom) {
    int x1 = Math.round(b[4 * i] * zoom);
    int y1 = Math.round(b[4 * i + 1] * zoom);
    int x2 = Math.round(b[4 * i + 2] * zoom);
    int y2 = Math.round(b[4 * i + 3] * zoom);
    g.drawRect(x0 + x1, LABEL + y1, Math.max(1, x2 - x1 - 1), Math.max(1, y2 - y1 - 1));
  }

  /** A normalised [S, S, 3] view back to displayable RGB. */
  private static BufferedImage toImage(TFloat32 t, int s) {
    float[] v = new float[s * s * 3];
    t.copyTo(DataBuffers.of(v, false, false));
    BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
          float unit = v[(y * s + x) * 3 + c] * ColorOps.IMAGENET_STD[c] + ColorOps.IMAGENET_MEAN[c];
          int level = Math.max(0, Math.min(255, Math.round(unit * 255)));
          rgb = (rgb << 8) | level;
        }
        img.setRGB(x, y, rgb);
      }
    }
    return img;
  }

  private static TUint8 toTensor(BufferedImage img) {
    int h = img.getHeight();
    int w = img.getWidth();
    byte[] b = new byte[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int k = (y * w + x) * 3;
        b[k] = (byte) (rgb >> 16);
        b[k + 1] = (byte) (rgb >> 8);
        b[k + 2] = (byte) rgb;
      }
    }
    return TUint8.tensorOf(Shape.of(h, w, 3), DataBuffers.of(b, true, false));
  }

  private static BufferedImage read(Path file) {
    try {
      BufferedImage img = ImageIO.read(file.toFile());
      if (img == null) {
        throw new UserError("boxes: cannot decode " + file + " (use JPEG, PNG, BMP or GIF)");
      }
      return img;
    } catch (IOException e) {
      throw new UserError("boxes: cannot read " + file + ": " + e.getMessage());
    }
  }

  static List<Path> imageFiles(List<String> specs, int count) {
    List<Path> files = new ArrayList<>();
    for (String spec : specs) {
      Path p = Path.of(spec);
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile).filter(BoxPreviewCommand::isImage).sorted().forEach(files::add);
        } catch (IOException e) {
          throw new UserError("boxes: cannot list " + p + ": " + e.getMessage());
        }
      } else if (Files.isRegularFile(p)) {
        files.add(p);
      } else {
        throw new UserError("boxes: no such file or folder: " + spec);
      }
    }
    if (files.isEmpty()) {
      throw new UserError("boxes: no images under " + String.join(", ", specs));
    }
    return files.subList(0, Math.min(count, files.size()));
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png") || n.endsWith(".bmp")
        || n.endsWith(".gif");
  }

  private static int[] ints(Tensor t) {
    int[] a = new int[(int) t.shape().size()];
    ((TInt32) t).copyTo(DataBuffers.of(a, false, false));
    return a;
  }

  private static boolean bool(Tensor t) {
    return ((TBool) t).getBoolean();
  }
}
