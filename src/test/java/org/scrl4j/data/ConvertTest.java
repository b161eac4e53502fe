package org.scrl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.cli.ConvertCommand;
import org.scrl4j.cli.Main;
import org.scrl4j.common.UserError;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

class ConvertTest {
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
  @TempDir Path dir;

  /** Test transform passing 28x28 images through unchanged (as float). */
  static final class Pixels implements ImageTransform {
    @Override
    public List<TensorSpec> outputs() {
      return List.of(new TensorSpec("pixels", TFloat32.class, Shape.of(28, 28, 3)));
    }

    @Override
    public Map<String, Operand<?>> apply(Ops tf, Operand<TUint8> image, Operand<TInt64> seed) {
      return Map.of("pixels", tf.ensureShape(tf.dtypes.cast(image, TFloat32.class),
          Shape.of(28, 28, 3)));
    }
  }

  /** The first n images and labels of a Fashion-MNIST split, as idx .gz files in dir. */
  static void truncatedIdx(Path dir, String split, int n) throws IOException {
    IdxFiles.Images images = IdxFiles.readImages(IdxFiles.find(FASHION, split + "-images-idx3-ubyte"));
    int[] labels = IdxFiles.readLabels(IdxFiles.find(FASHION, split + "-labels-idx1-ubyte"));
    try (DataOutputStream o = new DataOutputStream(new GZIPOutputStream(
        Files.newOutputStream(dir.resolve(split + "-images-idx3-ubyte.gz"))))) {
      o.writeInt(0x803);
      o.writeInt(n);
      o.writeInt(28);
      o.writeInt(28);
      for (int i = 0; i < n; i++) {
        o.write(images.pixels()[i]);
      }
    }
    try (DataOutputStream o = new DataOutputStream(new GZIPOutputStream(
        Files.newOutputStream(dir.resolve(split + "-labels-idx1-ubyte.gz"))))) {
      o.writeInt(0x801);
      o.writeInt(n);
      for (int i = 0; i < n; i++) {
        o.writeByte(labels[i]);
      }
    }
  }

  @Test
  void fashionMnistRoundTripKeepsPixelsWithinJpegToleranceAndLabelsExactly() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    truncatedIdx(src, "train", 60);
    truncatedIdx(src, "t10k", 20);
    Path out = dir.resolve("out");
    assertEquals(0, Main.run(new String[] {"convert", "--from", "fashion-mnist", "--src",
        src.toString(), "--out", out.toString(), "--shards", "3"}));
    assertTrue(Files.exists(out.resolve("train-00002-of-00003")));
    assertTrue(Files.exists(out.resolve("validation-00000-of-00001")));
    assertEquals(DatasetConverter.FASHION_MNIST_CLASSES, Files.readAllLines(out.resolve("labels.txt")));

    IdxFiles.Images truth = IdxFiles.readImages(IdxFiles.find(FASHION, "t10k-images-idx3-ubyte"));
    int[] truthLabels = IdxFiles.readLabels(IdxFiles.find(FASHION, "t10k-labels-idx1-ubyte"));
    TfRecordSource val = TfRecordSource.open(out, Split.VALIDATION);
    assertEquals(20, val.size());
    assertEquals(10, val.numClasses());
    assertEquals(60, TfRecordSource.open(out, Split.TRAIN).size());
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), val, new Pixels(),
          PipelineOptions.evaluation(20, 0, 1));
      p.startEpoch(s, 0, 0);
      try (Result r = s.runner().fetch(p.output("pixels")).fetch(p.output("label")).run()) {
        TFloat32 px = (TFloat32) r.get(0);
        TInt64 lab = (TInt64) r.get(1);
        double overall = 0;
        for (int i = 0; i < 20; i++) {
          assertEquals(truthLabels[i], lab.getLong(i), "label of image " + i);
          double absSum = 0;
          double worst = 0;
          for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
              float want = truth.pixels()[i][y * 28 + x] & 0xff;
              for (int c = 0; c < 3; c++) {
                double d = Math.abs(px.getFloat(i, y, x, c) - want);
                absSum += d;
                worst = Math.max(worst, d);
              }
            }
          }
          double meanAbs = absSum / (28 * 28 * 3);
          // Quality-95 JPEG of small high-contrast images: errors of a few grey levels on average.
          assertTrue(meanAbs < 4, "image " + i + " mean |error| " + meanAbs);
          assertTrue(worst < 64, "image " + i + " max |error| " + worst);
          overall += meanAbs / 20;
        }
        assertTrue(overall < 2.5, "mean |error| over the images " + overall);
      }
    }
    // A second conversion into the same directory needs --force.
    UserError refused = assertThrows(UserError.class, () -> new ConvertCommand().run(List.of(
        "--from", "fashion-mnist", "--src", src.toString(), "--out", out.toString(),
        "--shards", "2")));
    assertTrue(refused.getMessage().contains("--force"), refused.getMessage());
    assertEquals(0, new ConvertCommand().run(List.of("--from=fashion-mnist", "--src",
        src.toString(), "--out", out.toString(), "--shards", "2", "--force")));
    assertTrue(Files.exists(out.resolve("train-00001-of-00002")));
    assertTrue(Files.notExists(out.resolve("train-00002-of-00003")), "old shards left behind");
    assertEquals(60, TfRecordSource.open(out, Split.TRAIN).size());
  }

  @Test
  void convertedFoldersReadLikeTheFoldersThemselves() throws Exception {
    Path src = dir.resolve("src");
    TestImages.folderSplit(src, "train", 3, 4);
    TestImages.folderSplit(src, "val", 3, 2);
    // A PNG named .JPEG (ImageNet has one) must come out as a JPEG record of the same picture.
    java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(21, 17,
        java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 17; y++) {
      for (int x = 0; x < 21; x++) {
        png.setRGB(x, y, 0x336699);
      }
    }
    javax.imageio.ImageIO.write(png, "png", src.resolve("val/class_2/img_01.JPEG").toFile());
    Path out = dir.resolve("out");
    assertEquals(0, Main.run(new String[] {"convert", "--from", "folder", "--src",
        src.toString(), "--out", out.toString(), "--shards", "2"}));
    for (Split split : Split.values()) {
      ImageSource folders = FolderSource.open(src, split);
      TfRecordSource records = TfRecordSource.open(out, split);
      assertEquals(folders.size(), records.size());
      assertEquals(3, records.numClasses());
      List<InputPipelineTest.Item> a;
      List<InputPipelineTest.Item> b;
      try (Graph g = new Graph(); Session s = new Session(g)) {
        a = InputPipelineTest.readEpoch(s, InputPipeline.build(Ops.create(g), folders,
            new TinyTransform(), PipelineOptions.evaluation(4, 0, 1)), 0, 0);
      }
      try (Graph g = new Graph(); Session s = new Session(g)) {
        b = InputPipelineTest.readEpoch(s, InputPipeline.build(Ops.create(g), records,
            new TinyTransform(), PipelineOptions.evaluation(4, 0, 1)), 0, 0);
      }
      assertEquals(folders.size(), a.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(a.get(i).label(), b.get(i).label(), split + " label " + i);
        assertEquals(a.get(i).height(), b.get(i).height());
        assertEquals(a.get(i).width(), b.get(i).width());
        for (int c = 0; c < 3; c++) {
          // JPEG files are copied byte for byte; the PNG is re-encoded at quality 95.
          assertEquals(a.get(i).mean()[c], b.get(i).mean()[c], 2.0, split + " image " + i);
        }
        assertTrue(Jpegs.isJpeg(records.readImage(i)));
      }
    }
  }
}
