package org.scrl4j.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;

/**
 * Pooled backbone features of image files: {@link EvalTransform} (the run's evaluation transform,
 * {@link Preprocessing}), then the inference backbone.
 */
public final class ImageEmbedder implements AutoCloseable {
  private static final Logger log = LogManager.getLogger(ImageEmbedder.class);
  private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp");

  private final EvalTransform transform;
  private final BackboneSession backbone;

  /** Embeds through {@code new EvalTransform(p)}. */
  public ImageEmbedder(BackboneWeights weights, Preprocessing p) {
    transform = new EvalTransform(p);
    try {
      backbone = new BackboneSession(weights);
    } catch (RuntimeException e) {
      transform.close();
      throw e;
    }
  }

  /** Image files under {@code dir} (recursively), sorted by path, so rows have a stable order. */
  public static List<Path> listImages(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new UserError("--images " + dir + " is not a directory");
    }
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> files = s.filter(Files::isRegularFile).filter(ImageEmbedder::isImage).sorted().toList();
      if (files.isEmpty()) {
        throw new UserError("--images " + dir + " holds no image files (" + EXTENSIONS + ")");
      }
      return files;
    } catch (IOException e) {
      throw new UserError("cannot list --images " + dir + ": " + e.getMessage());
    }
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /** One row of pooled features per image, [N, C], in the order given. */
  public NpyArray embed(List<Path> images, int batchSize) {
    int dim = backbone.weights().spec().featureDim();
    int side = transform.size();
    int rowPixels = side * side * 3;
    float[] features = new float[images.size() * dim];
    for (int start = 0; start < images.size(); start += batchSize) {
      int n = Math.min(batchSize, images.size() - start);
      float[] batch = new float[n * rowPixels];
      for (int i = 0; i < n; i++) {
        System.arraycopy(transform.apply(images.get(start + i)).floats(), 0, batch, i * rowPixels, rowPixels);
      }
      NpyArray pooled = backbone.run(NpyArray.of(batch, n, side, side, 3),
          List.of("pooled")).get("pooled");
      System.arraycopy(pooled.floats(), 0, features, start * dim, n * dim);
      log.info("embedded {}/{} images", start + n, images.size());
    }
    return NpyArray.of(features, images.size(), dim);
  }

  @Override
  public void close() {
    backbone.close();
    transform.close();
  }
}
