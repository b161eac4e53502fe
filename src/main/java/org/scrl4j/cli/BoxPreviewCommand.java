package org.scrl4j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.scrl4j.data.PretrainAugmentation;
import org.scrl4j.data.PretrainSample;
import org.scrl4j.data.augment.AugmentParams;
import org.scrl4j.data.augment.ColorOps;
import org.scrl4j.data.boxes.BoxParams;
import org.scrl4j.model.TensorValues;
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
 * {@code tools/scrl boxes}: draws what SCRL learns from. One row per image: the original with the
 * two crops outlined, then view 1 and view 2 as the network sees them (un-normalised) with the
 * matched box pairs in matching colours.
 */
public final class BoxPreviewCommand implements Command {
  private static final Logger LOG = LogManager.getLogger(BoxPreviewCommand.class);
  private static final Color VIEW1 = new Color(255, 80, 80);
  private static final Color VIEW2 = new Color(80, 160, 255);
  private static final int GAP = 8;
  private static final int LABEL = 18;

  private final AugmentParams augment;
  private final BoxParams boxes;

  /** Paper settings; the integrator can construct it from a config. */
  public BoxPreviewCommand() {
    this(AugmentParams.defaults(), BoxParams.defaults());
  }

  public BoxPreviewCommand(AugmentParams augment, BoxParams boxes) {
    this.augment = augment;
    this.boxes = boxes;
  }

  @Override
  public String name() {
    return "boxes";
  }

  @Override
  public String summary() {
    return "draw two augmented views of some images with their matched SCRL boxes";
  }

  @Override
  public int run(List<String> args) throws Exception {
    Options options = new Options();
    options.addOption(Option.builder().longOpt("images").hasArgs().argName("DIR_OR_FILES")
        .desc("image files, or folders searched recursively (jpg, jpeg, png, bmp, gif)").build());
    options.addOption(Option.builder().longOpt("out").hasArg().argName("PNG")
        .desc("output picture (default boxes.png)").build());
    options.addOption(Option.builder().longOpt("count").hasArg().argName("N")
        .desc("number of images (default 8)").build());
    options.addOption(Option.builder().longOpt("seed").hasArg().argName("S")
        .desc("random seed (default 0)").build());
    options.addOption(Option.builder("h").longOpt("help").desc("this help").build());
    CommandLine cl;
    try {
      cl = new DefaultParser().parse(options, args.toArray(new String[0]));
    } catch (ParseException e) {
      throw new UserError("boxes: " + e.getMessage() + "; run tools/scrl boxes --help");
    }
    if (cl.hasOption("help")) {
      new HelpFormatter().printHelp("tools/scrl boxes --images DIR_OR_FILES [--out boxes.png]", options);
      return 0;
    }
    if (!cl.hasOption("images")) {
      throw new UserError("boxes: --images is required (a folder or image files)");
    }
    int count = intOption(cl, "count", 8);
    long seed = intOption(cl, "seed", 0);
    Path out = Path.of(cl.getOptionValue("out", "boxes.png"));
    List<Path> files = imageFiles(cl.getOptionValues("images"), count);
    BufferedImage sheet = render(files, seed);
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ImageIO.write(sheet, "png", out.toFile());
    LOG.info("wrote {} ({} images, {}x{} px)", out, files.size(), sheet.getWidth(), sheet.getHeight());
    return 0;
  }

  /** Augments each file with seed (seed, index) and lays out one row per image. */
  BufferedImage render(List<Path> files, long seed) {
    int s = augment.inputSize();
    List<BufferedImage> rows = new ArrayList<>();
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TUint8> image = tf.placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, 3)));
      Placeholder<TInt64> seedIn = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      PretrainSample sample = new PretrainAugmentation(augment, boxes).apply(tf, image, seedIn);
      for (int i = 0; i < files.size(); i++) {
        BufferedImage original = read(files.get(i));
        try (TUint8 pixels = toTensor(original); TInt64 sd = TInt64.vectorOf(seed, i);
            Result r = session.runner().feed(image, pixels).feed(seedIn, sd)
                .fetch(sample.view1()).fetch(sample.view2()).fetch(sample.crop1())
                .fetch(sample.crop2()).fetch(sample.flip1()).fetch(sample.flip2())
                .fetch(sample.boxes1()).fetch(sample.boxes2()).fetch(sample.boxValid()).run()) {
          rows.add(row(original, files.get(i).getFileName().toString(), s,
              toImage((TFloat32) r.get(0), s), toImage((TFloat32) r.get(1), s),
              ints(r.get(2)), ints(r.get(3)), bool(r.get(4)), bool(r.get(5)),
              TensorValues.floats(r.get(6)), TensorValues.floats(r.get(7)), bool(r.get(8))));
        }
      }
    }
    int width = rows.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
    int height = rows.stream().mapToInt(b -> b.getHeight() + GAP).sum();
    BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, width, height);
    int y = 0;
    for (BufferedImage row : rows) {
      g.drawImage(row, 0, y, null);
      y += row.getHeight() + GAP;
    }
    g.dispose();
    return sheet;
  }

  private static BufferedImage row(BufferedImage original, String name, int s, BufferedImage v1,
      BufferedImage v2, int[] crop1, int[] crop2, boolean flip1, boolean flip2, float[] b1,
      float[] b2, boolean valid) {
    double scale = s / (double) original.getHeight();
    int ow = (int) Math.round(original.getWidth() * scale);
    BufferedImage row = new BufferedImage(ow + 2 * (s + GAP), s + LABEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = row.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, row.getWidth(), row.getHeight());
    g.drawImage(original, 0, LABEL, ow, s, null);
    g.setStroke(new BasicStroke(2f));
    outline(g, crop1, scale, VIEW1);
    outline(g, crop2, scale, VIEW2);
    g.drawImage(v1, ow + GAP, LABEL, null);
    g.drawImage(v2, ow + GAP + s + GAP, LABEL, null);
    int n = b1.length / 4;
    for (int i = 0; valid && i < n; i++) {
      Color c = Color.getHSBColor(i / (float) n, 0.9f, 1f);
      g.setColor(c);
      box(g, b1, i, ow + GAP);
      box(g, b2, i, ow + GAP + s + GAP);
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.WHITE);
    g.drawString(name, 2, 13);
    g.setColor(VIEW1);
    g.drawString("view 1" + (flip1 ? " (flipped)" : ""), ow + GAP, 13);
    g.setColor(VIEW2);
    g.drawString("view 2" + (flip2 ? " (flipped)" : "") + (valid ? "" : "  no boxes: crops overlap too little"),
        ow + GAP + s + GAP, 13);
    g.dispose();
    return row;
  }

  private static void outline(Graphics2D g, int[] crop, double scale, Color c) {
    g.setColor(c);
    g.drawRect((int) Math.round(crop[1] * scale), LABEL + (int) Math.round(crop[0] * scale),
        (int) Math.round(crop[3] * scale), (int) Math.round(crop[2] * scale));
  }

  private static void box(Graphics2D g, float[] b, int i, int x0) {
    int x1 = Math.round(b[4 * i]);
    int y1 = Math.round(b[4 * i + 1]);
    int x2 = Math.round(b[4 * i + 2]);
    int y2 = Math.round(b[4 * i + 3]);
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

  static List<Path> imageFiles(String[] specs, int count) {
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

  private static int intOption(CommandLine cl, String name, int dflt) {
    String v = cl.getOptionValue(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (name.equals("count") && n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UserError("boxes: --" + name + " '" + v + "' is not a valid "
          + (name.equals("count") ? "positive integer" : "integer"));
    }
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
