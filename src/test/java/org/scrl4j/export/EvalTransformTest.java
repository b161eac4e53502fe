package org.scrl4j.export;

import org.scrl4j.Python;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

public class EvalTransformTest {
  @TempDir Path tmp;

  /** Smooth colour field plus noise, so both the low-pass filter and the crop position matter. */
  public static Path writePng(Path file, int w, int h, long seed, boolean gray) throws Exception {
    Random rnd = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    double a = rnd.nextDouble() * 6;
    double b = rnd.nextDouble() * 6;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = clamp(128 + 100 * Math.sin(a * x / w * Math.PI + y * 0.01) + rnd.nextGaussian() * 20);
        int g = clamp(128 + 100 * Math.cos(b * y / h * Math.PI) + rnd.nextGaussian() * 20);
        int bl = clamp(255.0 * x / w * y / h + rnd.nextGaussian() * 10);
        img.setRGB(x, y, (r << 16) | (g << 8) | bl);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  /** torchvision's eval transform on PIL (Resize(256, BICUBIC), CenterCrop(224), ToTensor, Normalize). */
  @Test
  void matchesTorchvisionOnPil() throws Exception {
    Python.assumeModules("numpy", "torch", "torchvision", "PIL");
    System.out.print(vsTorchvision(224, 32,
        writePng(tmp.resolve("a.png"), 300, 410, 1, false), // portrait, odd crop offset
        writePng(tmp.resolve("b.png"), 500, 333, 2, false), // landscape, downscale with antialias
        writePng(tmp.resolve("c.png"), 200, 180, 3, true))); // upscale, greyscale -> 3 channels
  }

  /**
   * A 32 px run's transforms: pad 0 is Resize(32), CenterCrop(32) (the whole image, e.g. a 28 px
   * Fashion-MNIST digit upscaled); pad 8 is Resize(40), CenterCrop(32).
   */
  @Test
  void matchesTorchvisionOnPilAtSmallSizes() throws Exception {
    Python.assumeModules("numpy", "torch", "torchvision", "PIL");
    Path[] files = {
      writePng(tmp.resolve("small/d.png"), 28, 28, 5, true), // square grey upscale
      writePng(tmp.resolve("small/e.png"), 70, 50, 6, false), // landscape downscale
      writePng(tmp.resolve("small/f.png"), 45, 81, 7, false) // portrait, odd crop offset at pad 8
    };
    System.out.print(vsTorchvision(32, 0, files));
    System.out.print(vsTorchvision(32, 8, files));
  }

  /**
   * Runs {@code new EvalTransform(size, pad)} and torchvision's Resize(size + pad, BICUBIC),
   * CenterCrop(size), ToTensor, Normalize on PIL over the files; fails unless they agree to a mean
   * below 0.6 and a 99th percentile below 3.5 8-bit levels. Returns the measured levels.
   */
  private String vsTorchvision(int size, int pad, Path... files) throws Exception {
    Map<String, NpyArray> ours = new java.util.LinkedHashMap<>();
    try (EvalTransform t = new EvalTransform(size, pad)) {
      for (Path f : files) {
        ours.put(f.getFileName().toString(), t.apply(f));
      }
    }
    Path oursFile = Files.createTempFile(tmp, "ours_" + size + "_" + pad + "_", ".npz");
    Npz.write(oursFile, ours);
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
        String.valueOf(size + pad), String.valueOf(size), oursFile.toString()));
    for (Path f : files) {
      args.add(f.toString());
    }
    return Python.check(String.join("\n",
        "import sys, numpy as np, torch",
        "from PIL import Image",
        "from torchvision import transforms as T",
        "resize, crop = int(sys.argv[1]), int(sys.argv[2])",
        "tf = T.Compose([T.Resize(resize, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(crop), T.ToTensor(),",
        "                T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])",
        "ours = np.load(sys.argv[3])",
        "for f in sys.argv[4:]:",
        "    ref = tf(Image.open(f).convert('RGB')).permute(1, 2, 0).numpy()",
        "    mine = ours[f.split('/')[-1]]",
        "    assert mine.shape == ref.shape == (crop, crop, 3), (mine.shape, ref.shape)",
        "    d = np.abs(mine - ref) * 0.229 * 255  # in 8-bit levels (roughly)",
        "    print('%d/%d' % (resize, crop), f.split('/')[-1], 'max_levels %.2f mean_levels %.4f p99_levels %.2f'",
        "          % (d.max(), d.mean(), np.percentile(d, 99)))",
        "    assert d.mean() < 0.6 and np.percentile(d, 99) < 3.5, (d.mean(), np.percentile(d, 99))"),
        args.toArray(String[]::new));
  }

  @Test
  void undecodableFileIsAUserError() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.jpg"), "not an image");
    try (EvalTransform t = EvalTransform.imagenet()) {
      UserError e = assertThrows(UserError.class, () -> t.apply(bad));
      assertTrue(e.getMessage().contains("bad.jpg"), e.getMessage());
      NpyArray ok = t.apply(writePng(tmp.resolve("ok.png"), 240, 260, 4, false));
      assertArrayEquals(new long[] {224, 224, 3}, ok.shape());
    }
  }
}
