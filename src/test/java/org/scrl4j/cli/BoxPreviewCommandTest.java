package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.scrl4j.data.augment.AugmentParams;
import org.scrl4j.data.boxes.BoxParams;

class BoxPreviewCommandTest {
  @TempDir Path dir;

  @Test
  void drawsOneRowPerImageWithTheOriginalAndBothViews() throws Exception {
    for (int k = 0; k < 2; k++) {
      BufferedImage img = new BufferedImage(120, 90, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.ORANGE);
      g.fillOval(10 + 20 * k, 10, 60, 60);
      g.dispose();
      ImageIO.write(img, "png", dir.resolve("img" + k + ".png").toFile());
    }
    Files.writeString(dir.resolve("notes.txt"), "not an image");
    Path out = dir.resolve("sheet/boxes.png");
    BoxPreviewCommand cmd = new BoxPreviewCommand(AugmentParams.defaults().withInputSize(64),
        BoxParams.defaults().withInputSize(64).withMinSize(8));
    assertEquals(0, cmd.run(List.of("--images", dir.toString(), "--out", out.toString(), "--count", "5")));
    BufferedImage sheet = ImageIO.read(out.toFile());
    // row: original scaled to height 64 (85 px wide) + 2 x (64 + 8); two rows of 64 + 18 + 8
    assertEquals(85 + 2 * (64 + 8), sheet.getWidth());
    // above them the settings bar, its lines wrapped to that width
    int bar = sheet.getHeight() - 2 * (64 + 18 + 8);
    assertTrue(bar > 15 && bar < 200, "bar height " + bar);
    assertEquals(BoxPreviewCommand.BAR.getRGB(), sheet.getRGB(sheet.getWidth() - 1, bar - 1));
    assertTrue(BoxPreviewCommand.BAR.getRGB() != sheet.getRGB(sheet.getWidth() - 1, bar));
  }

  @Test
  void badInputsAreUserErrors() {
    BoxPreviewCommand cmd = new BoxPreviewCommand();
    assertThrows(UserError.class, () -> cmd.run(List.of()));
    assertThrows(UserError.class, () -> cmd.run(List.of("--images", dir.resolve("missing").toString())));
    assertThrows(UserError.class, () -> cmd.run(List.of("--images", dir.toString())));
    UserError e = assertThrows(UserError.class,
        () -> cmd.run(List.of("--images", dir.toString(), "--count", "zero")));
    assertTrue(e.getMessage().contains("--count"));
  }

  @Test
  void theSettingsBarStatesTheConfigsAugmentationAndBoxes() {
    BoxPreviewCommand.Settings demo = new BoxPreviewCommand.Settings(
        AugmentParams.defaults().withInputSize(32).withCropScale(0.3, 1.0),
        new BoxParams(32, 12, 4, 0.5, true, 50, false, 0.1), true, "config/demo.yaml", 0);
    String text = String.join("\n", BoxPreviewCommand.describe(demo));
    assertTrue(text.contains("views 32 x 32 px") && text.contains("crop scale 0.30-1.00")
        && text.contains("4 per image") && text.contains("min side 12 px"), text);
    assertTrue(text.startsWith("config: config/demo.yaml"), text);
    assertEquals(4, BoxPreviewCommand.zoom(32));
    assertEquals(1, BoxPreviewCommand.zoom(224));
  }

  @Test
  void fixedSettingsRefuseAConfig() {
    BoxPreviewCommand cmd = new BoxPreviewCommand(AugmentParams.defaults(), BoxParams.defaults());
    assertThrows(UserError.class, () -> cmd.run(List.of("--config", "config/demo_fashion_mnist.yaml",
        "--images", dir.toString())));
  }

  @Test
  void noImagesSaysWhereToGetThem() {
    UserError e = assertThrows(UserError.class, () -> new BoxPreviewCommand().run(List.of()));
    assertTrue(e.getMessage().contains("--images") && e.getMessage().contains("--dataset/root"),
        e.getMessage());
  }
}
