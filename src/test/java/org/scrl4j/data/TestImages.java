package org.scrl4j.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tiny image datasets on disk for tests: solid-colour JPEGs whose colour encodes their identity. */
final class TestImages {
  private TestImages() {}

  /** Colour of image k of class c: distinct per image, far apart so JPEG error cannot confuse. */
  static int[] colour(int c, int k) {
    return new int[] {20 + 40 * c, 20 + 30 * k, 200 - 20 * c};
  }

  static byte[] solidJpeg(int[] rgb, int height, int width) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    int v = (rgb[0] << 16) | (rgb[1] << 8) | rgb[2];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, v);
      }
    }
    return Jpegs.encode(img);
  }

  /** {@code root/<split>/class_<c>/img_<k>.JPEG}, sizes varying with the image. */
  static void folderSplit(Path root, String split, int classes, int perClass) throws IOException {
    for (int c = 0; c < classes; c++) {
      Path dir = root.resolve(split).resolve("class_" + c);
      Files.createDirectories(dir);
      for (int k = 0; k < perClass; k++) {
        Files.write(dir.resolve(String.format("img_%02d.JPEG", k)),
            solidJpeg(colour(c, k), 16 + k, 20 + c));
      }
    }
  }

  /** TFRecord shards of the same images (1-based labels), written directly. */
  static void shards(Path root, String prefix, int classes, int perClass, int shards)
      throws IOException {
    shards(root, prefix, classes, perClass, shards, -1);
  }

  /** As above; image {@code corrupt} gets bytes that are no image at all. */
  static void shards(Path root, String prefix, int classes, int perClass, int shards, int corrupt)
      throws IOException {
    Files.createDirectories(root);
    int n = classes * perClass;
    for (int s = 0; s < shards; s++) {
      Path file = root.resolve(String.format("%s-%05d-of-%05d", prefix, s, shards));
      try (OutputStream out = Files.newOutputStream(file)) {
        for (int i = s * n / shards; i < (s + 1) * n / shards; i++) {
          int c = i / perClass;
          int k = i % perClass;
          byte[] jpeg = i == corrupt ? "this is not a JPEG".getBytes()
              : solidJpeg(colour(c, k), 16 + k, 20 + c);
          TfRecords.write(out, Examples.image(jpeg, 16 + k, 20 + c, c + 1, "class_" + c,
              "img_" + k));
        }
      }
    }
  }
}
