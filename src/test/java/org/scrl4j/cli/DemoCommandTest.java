package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigLoader.Override;
import org.scrl4j.config.ConfigLoader;
import org.scrl4j.data.IdxFiles;

/** The demo's plumbing on a few dozen images and a width-4 network (not the demo's numbers). */
class DemoCommandTest {
  @TempDir
  Path tmp;

  @Test
  void tableComparesThePretrainedRowWithEachBaseline() {
    Config cfg = ConfigLoader.load(Path.of(DemoCommand.CONFIG), List.of());
    java.time.Duration t = java.time.Duration.ofSeconds(61);
    DemoCommand.Outcome o = new DemoCommand.Outcome(Path.of("runs/x"), List.of(
        new DemoCommand.Row("SCRL pre-trained", 76.5, t), new DemoCommand.Row("random-init", 74.25, t),
        new DemoCommand.Row("raw pixels", 81.0, t)), 10000, 10000, Path.of("a.npz"), Path.of("sm"), t);
    String table = DemoCommand.table(cfg, o);
    assertTrue(table.contains("SCRL pre-trained    76.50   0:01:01"), table);
    assertTrue(table.contains("pre-training is 2.25 points above random initialisation and 4.50 points"
        + " BELOW raw pixels"), table);
  }

  @Test
  void tinyDemoConvertsTrainsProbesThreeWaysAndExports() throws IOException {
    assumeTrue(Files.isDirectory(DemoCommand.SYSTEM_FASHION_MNIST), "Fashion-MNIST not installed");
    Path src = tmp.resolve("idx");
    firstImages(src, "train", 48);
    firstImages(src, "t10k", 24);
    Path cache = tmp.resolve("cache");
    Config cfg = ConfigLoader.load(Path.of(DemoCommand.CONFIG), List.of(
        new Override("dataset/root", cache.toString()),
        new Override("save_dir", tmp.resolve("run").toString()),
        new Override("dataset/max_images", "0"), new Override("dataset/max_eval_images", "0"),
        new Override("network/width", "4"), new Override("network/proj_head/input_size", "32"),
        new Override("augment/input_size", "32"),
        new Override("network/scrl/min_size", "8"),
        new Override("train/batch_size_train", "16"), new Override("train/max_epochs", "1"),
        new Override("train/warmup_epochs", "0"), new Override("eval/max_epochs", "1"),
        new Override("eval/warmup_epochs", "0"), new Override("eval/batch_size_train", "16"),
        new Override("eval/batch_size_eval", "24"), new Override("train/batch_size_eval", "24")));

    DemoCommand.Outcome o = DemoCommand.execute(cfg, src, cache);

    assertEquals(3, o.rows().size());
    for (DemoCommand.Row r : o.rows()) {
      assertTrue(r.top1() >= 0 && r.top1() <= 100, r.toString());
    }
    assertTrue(o.rows().get(2).features().contains("32x32x3"), o.rows().toString());
    assertTrue(Files.size(o.torchvision()) > 0);
    assertTrue(Files.isRegularFile(o.savedModel().resolve("saved_model.pb")));
    // the run folder's pictures: the curves of the run and the boxes of the demo's config
    for (String picture : new String[] {"curves.png", "boxes.png"}) {
      java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(o.runDir().resolve(picture).toFile());
      assertTrue(img != null && img.getWidth() > 100 && img.getHeight() > 100, picture + " is a picture");
    }
    // the demo config's evaluation transform (input_size 32, center_crop_pad 0) beside both exports
    for (Path json : List.of(o.savedModel().resolve("preprocessing.json"),
        o.torchvision().resolveSibling(o.torchvision().getFileName() + ".preprocessing.json"))) {
      Map<String, Object> m = Json.readObject(Files.readString(json));
      assertEquals(32L, m.get("resize_shorter_side"), json.toString());
      assertEquals(32L, m.get("center_crop"), json.toString());
      assertEquals("from the checkpoint's config", m.get("origin"), json.toString());
    }
    assertTrue(Files.isRegularFile(cache.resolve("labels.txt")));
    assertTrue(Files.notExists(tmp.resolve("cache.partial")), "conversion renamed into place");
    String table = Files.readString(o.runDir().resolve("log_result.txt"));
    assertTrue(table.contains("raw pixels") && table.contains("random-init"), table);
    assertEquals(48, o.trainImages());
    assertEquals(24, o.testImages());
  }

  @Test
  void aSourceWithoutIdxFilesNamesWhatIsMissing() {
    UserError e = assertThrows(UserError.class, () -> DemoCommand.ensureInstalled(tmp));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
  }

  /** The first n images and labels of a Fashion-MNIST split as idx .gz files. */
  private static void firstImages(Path dir, String split, int n) throws IOException {
    Files.createDirectories(dir);
    Path fm = DemoCommand.SYSTEM_FASHION_MNIST;
    IdxFiles.Images images = IdxFiles.readImages(IdxFiles.find(fm, split + "-images-idx3-ubyte"));
    int[] labels = IdxFiles.readLabels(IdxFiles.find(fm, split + "-labels-idx1-ubyte"));
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
        Files.newOutputStream(dir.resolve(split + "-images-idx3-ubyte.gz"))))) {
      out.writeInt(2051);
      out.writeInt(n);
      out.writeInt(images.rows());
      out.writeInt(images.cols());
      for (int i = 0; i < n; i++) {
        out.write(images.pixels()[i]);
      }
    }
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
        Files.newOutputStream(dir.resolve(split + "-labels-idx1-ubyte.gz"))))) {
      out.writeInt(2049);
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        out.writeByte(labels[i]);
      }
    }
  }
}
