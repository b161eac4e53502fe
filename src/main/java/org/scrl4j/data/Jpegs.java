package org.scrl4j.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** JPEG encoding with javax.imageio (quality 0.95, like the ImageNet TFRecord build scripts). */
public final class Jpegs {
  public static final float QUALITY = 0.95f;

  private Jpegs() {}

  /** True when the bytes start with the JPEG start-of-image marker. */
  public static boolean isJpeg(byte[] b) {
    return b.length > 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff;
  }

  /** Encodes an RGB image (8 bits per channel, alpha dropped) as a baseline JPEG. */
  public static byte[] encode(BufferedImage image) throws IOException {
    BufferedImage rgb = image;
    if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
      rgb.getGraphics().drawImage(image, 0, 0, null);
    }
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
    ImageWriter writer = writers.next();
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(QUALITY);
      writer.write(null, new IIOImage(rgb, null, null), p);
      out.flush();
      return bytes.toByteArray();
    } finally {
      writer.dispose();
    }
  }

  /** A 3-channel image whose channels all hold the given grey values (row-major, h x w). */
  public static BufferedImage greyToRgb(byte[] grey, int height, int width) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < height * width; i++) {
      data[3 * i] = grey[i];
      data[3 * i + 1] = grey[i];
      data[3 * i + 2] = grey[i];
    }
    return img;
  }

  /** Decodes any format javax.imageio reads (for re-encoding non-JPEG inputs); null if none. */
  public static BufferedImage read(byte[] encoded) throws IOException {
    return ImageIO.read(new ByteArrayInputStream(encoded));
  }
}
