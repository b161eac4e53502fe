package org.scrl4j.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scrl4j.data.augment.ColorOps;
import org.scrl4j.io.NpyArray;
import org.scrl4j.model.ResNetSpec;

/**
 * Writes a backbone as the pickle Detectron2's DetectionCheckpointer reads for MODEL.WEIGHTS:
 * {@code {"model": {d2name: float32 ndarray}, "__author__": "scrl4j", "matching_heuristics": True}},
 * names in Detectron2's ResNet scheme (stem.conv1, res2..res5, conv.norm, shortcut), torch
 * layouts. matching_heuristics lets the checkpointer find "backbone.bottom_up.<name>" by suffix.
 */
public final class Detectron2Exporter {
  private static final Pattern BLOCK =
      Pattern.compile("layer([1-4])\\.(\\d+)\\.(conv[1-3]|bn[1-3]|downsample\\.[01])\\.(.+)");

  private Detectron2Exporter() {}

  /** torchvision backbone name -> Detectron2 ResNet name. */
  public static String d2Name(String torchName) {
    if (torchName.startsWith("conv1.")) {
      return "stem.conv1." + torchName.substring("conv1.".length());
    }
    if (torchName.startsWith("bn1.")) {
      return "stem.conv1.norm." + torchName.substring("bn1.".length());
    }
    Matcher m = BLOCK.matcher(torchName);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a torchvision ResNet backbone name: " + torchName);
    }
    String block = "res" + (Integer.parseInt(m.group(1)) + 1) + "." + m.group(2) + ".";
    String module = switch (m.group(3)) {
      case "downsample.0" -> "shortcut";
      case "downsample.1" -> "shortcut.norm";
      default -> m.group(3).startsWith("bn") ? "conv" + m.group(3).substring(2) + ".norm" : m.group(3);
    };
    return block + module + "." + m.group(4);
  }

  /** Detectron2 name -> torch-layout array, in torchvision order. */
  public static Map<String, NpyArray> d2StateDict(BackboneWeights w) {
    Map<String, NpyArray> m = new LinkedHashMap<>();
    w.torch().forEach((k, v) -> m.put(d2Name(k), v));
    return m;
  }

  /** Writes the pickle to {@code out} (parent directories are created; replaced atomically). */
  public static void write(BackboneWeights w, Path out) throws IOException {
    ExportPaths.prepareFile(out);
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
        PickleWriter p = new PickleWriter(os)) {
      p.emptyDict().mark();
      p.string("model").emptyDict().mark();
      for (Map.Entry<String, NpyArray> e : d2StateDict(w).entrySet()) {
        p.string(e.getKey()).numpyFloat32(e.getValue().shape(), e.getValue().floats());
      }
      p.setItems();
      p.string("__author__").string("scrl4j");
      p.string("matching_heuristics").bool(true);
      p.setItems().stop();
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** ImageNet mean or std on Detectron2's 0-255 scale, e.g. {@code [123.675, 116.280, 103.530]}. */
  private static String levels(float[] v) {
    return String.format(Locale.ROOT, "[%.3f, %.3f, %.3f]", v[0] * 255.0, v[1] * 255.0, v[2] * 255.0);
  }

  /**
   * The Detectron2 config lines that match these weights (the SCRL paper's detection setup), with
   * the run's evaluation transform {@code p} as a comment.
   */
  public static String configNotes(ResNetSpec spec, Path weights, Preprocessing p) {
    int depth = BackboneLayout.depth(spec);
    boolean bottleneck = spec.block() == ResNetSpec.Block.BOTTLENECK;
    StringBuilder sb = new StringBuilder();
    sb.append("# Detectron2 config for these weights (merge into your detection config):\n");
    if (!bottleneck && spec.width() != 64) {
      sb.append("# NOTE: Detectron2 builds ResNet-18/34 only with RES2_OUT_CHANNELS 64; this width-")
          .append(spec.width()).append(" network will not load there\n");
    }
    sb.append("MODEL:\n");
    sb.append("  WEIGHTS: \"").append(weights.toAbsolutePath()).append("\"\n");
    sb.append("  # ImageNet mean/std in 0-255 RGB: the backbone was trained on RGB images\n");
    sb.append("  PIXEL_MEAN: ").append(levels(ColorOps.IMAGENET_MEAN)).append('\n');
    sb.append("  PIXEL_STD: ").append(levels(ColorOps.IMAGENET_STD)).append('\n');
    sb.append("  # pre-training evaluated on RGB with: ").append(p.describe()).append(" (bicubic; ")
        .append(Preprocessing.besideFile(weights).getFileName()).append(");\n")
        .append("  # detection picks its own INPUT.MIN_SIZE_* as usual\n");
    sb.append("  RESNETS:\n");
    sb.append("    DEPTH: ").append(depth).append('\n');
    sb.append("    STRIDE_IN_1X1: False   # torchvision ResNet v1.5: stride on the 3x3 conv\n");
    sb.append("    NORM: \"SyncBN\"         # the paper: synchronized BN in every configurable layer\n");
    if (!bottleneck || spec.width() != 64) {
      sb.append("    RES2_OUT_CHANNELS: ").append(spec.stageChannels(0)).append('\n');
    }
    if (spec.width() != 64) {
      sb.append(String.format(Locale.ROOT, "    STEM_OUT_CHANNELS: %d%n    WIDTH_PER_GROUP: %d%n",
          spec.width(), spec.width()));
    }
    sb.append("  FPN:\n    NORM: \"SyncBN\"\n");
    sb.append("  ROI_BOX_HEAD:\n    NORM: \"SyncBN\"\n");
    sb.append("  ROI_MASK_HEAD:\n    NORM: \"SyncBN\"\n");
    sb.append("INPUT:\n  FORMAT: \"RGB\"\n");
    return sb.toString();
  }
}
