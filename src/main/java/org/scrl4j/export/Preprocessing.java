package org.scrl4j.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;
import org.scrl4j.config.AugmentConfig;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigLoader;
import org.scrl4j.data.augment.ColorOps;
import org.scrl4j.data.augment.ViewTransforms;

/**
 * The evaluation transform a backbone's inputs want: the one its run evaluated with (the linear
 * probe and online validation, {@link ViewTransforms#center}): resize the shorter side to {@link
 * #resize()} (bicubic, as PIL), centre-crop {@code size} x {@code size}, RGB scaled to [0, 1],
 * normalised with the ImageNet mean/std. The exported backbones hold none of it; {@code embed}
 * applies it and {@code export} writes it down as {@code preprocessing.json}.
 *
 * @param size the crop side, the run's {@code augment.input_size}
 * @param pad the run's {@code augment.center_crop_pad}: the resize is {@code size + pad}
 * @param origin where the numbers come from, for people ("from the checkpoint's config", ...)
 */
public record Preprocessing(int size, int pad, String origin) {
  private static final Logger log = LogManager.getLogger(Preprocessing.class);
  /** The file {@code export} writes: inside a SavedModel directory, or {@code FILE.preprocessing.json}. */
  public static final String FILE_NAME = "preprocessing.json";

  public Preprocessing {
    if (size < 1 || pad < 0) {
      throw new IllegalArgumentException("eval transform needs size >= 1 and pad >= 0, got " + size + "/" + pad);
    }
  }

  /** The original's ImageNet transform (the config defaults, 224 / 32): resize 256, centre crop 224. */
  public static Preprocessing imagenet(String origin) {
    AugmentConfig d = AugmentConfig.defaults();
    return new Preprocessing(d.inputSize(), d.centerCropPad(), origin);
  }

  /** The evaluation transform of a run's config. */
  public static Preprocessing of(Config cfg, String origin) {
    return new Preprocessing(cfg.augment().inputSize(), cfg.augment().centerCropPad(), origin);
  }

  /**
   * The evaluation transform of the run that wrote the checkpoint, read from the config its
   * state.json keeps. A checkpoint without a config, or with one this build cannot read, gets the
   * original's 224 / 32 and one warning saying why.
   */
  public static Preprocessing of(Checkpoint checkpoint) {
    Path state = checkpoint.dir().resolve("state.json");
    String yaml = checkpoint.state().config();
    String why;
    String shortWhy;
    if (yaml.isBlank()) {
      why = state + " holds no run config";
      shortWhy = "the checkpoint keeps no config";
    } else {
      try {
        return of(ConfigLoader.loadText(yaml, state + " config"), "from the checkpoint's config");
      } catch (UserError | IllegalArgumentException e) {
        why = "the run config kept in " + state + " does not load: " + e.getMessage();
        shortWhy = "the checkpoint's config does not load";
      }
    }
    Preprocessing fallback = imagenet("the original's default, as " + shortWhy);
    log.warn("{}; using the original's evaluation transform: {}", why, fallback.describe());
    return fallback;
  }

  /** The shorter side before the crop: {@code size + pad}. */
  public int resize() {
    return ViewTransforms.centerResize(size, pad);
  }

  /** "resize shorter side to 256, centre crop 224". */
  public String describe() {
    return "resize shorter side to " + resize() + ", centre crop " + size;
  }

  /** The same transform in torchvision, on a PIL RGB image. */
  public String torchvision() {
    return "T.Compose([T.Resize(" + resize() + ", interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop("
        + size + "), T.ToTensor(), T.Normalize(" + triple(ColorOps.IMAGENET_MEAN) + ", "
        + triple(ColorOps.IMAGENET_STD) + ")])";
  }

  private static String triple(float[] v) {
    return String.format(Locale.ROOT, "(%s, %s, %s)", v[0], v[1], v[2]);
  }

  /** In words with the numbers, for comments in printed snippets. */
  public String sentence() {
    return "RGB, " + describe() + " (bicubic), pixels / 255, then (x - " + list(ColorOps.IMAGENET_MEAN)
        + ") / " + list(ColorOps.IMAGENET_STD);
  }

  private static String list(float[] v) {
    return String.format(Locale.ROOT, "[%s, %s, %s]", v[0], v[1], v[2]);
  }

  /** The JSON {@code export} writes: every number needed to rebuild the transform, and its origin. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("color", "RGB");
    m.put("resize_shorter_side", resize());
    m.put("interpolation", "bicubic");
    m.put("center_crop", size);
    m.put("scale", "pixel / 255");
    m.put("mean", floats(ColorOps.IMAGENET_MEAN));
    m.put("std", floats(ColorOps.IMAGENET_STD));
    m.put("torchvision", torchvision());
    m.put("input_size", size);
    m.put("center_crop_pad", pad);
    m.put("origin", origin);
    return Json.write(m);
  }

  private static List<Float> floats(float[] v) {
    return List.of(v[0], v[1], v[2]);
  }

  /** {@code dir/preprocessing.json}: beside saved_model.pb in a SavedModel directory. */
  public static Path insideDir(Path dir) {
    return dir.resolve(FILE_NAME);
  }

  /** {@code FILE.preprocessing.json} beside an exported file. */
  public static Path besideFile(Path file) {
    return file.resolveSibling(file.getFileName() + "." + FILE_NAME);
  }

  /** Writes {@link #toJson()} to {@code file}. */
  public void write(Path file) {
    try {
      Files.writeString(file, toJson());
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + e.getMessage());
    }
  }
}
