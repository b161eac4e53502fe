package org.scrl4j.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.scrl4j.common.UserError;

/** MNIST-style idx files (optionally gzipped): unsigned-byte images [n, rows, cols] and labels [n]. */
public final class IdxFiles {
  private IdxFiles() {}

  /** Images of an idx3 file: rows x cols greys per image, row-major. */
  public record Images(int count, int rows, int cols, byte[][] pixels) {}

  public static Images readImages(Path file) {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != 0x00000803) {
        throw new UserError(file + " is not an idx3 image file (magic " + Integer.toHexString(magic)
            + ", expected 803)");
      }
      int n = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      byte[][] pixels = new byte[n][rows * cols];
      for (int i = 0; i < n; i++) {
        in.readFully(pixels[i]);
      }
      return new Images(n, rows, cols, pixels);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage());
    }
  }

  public static int[] readLabels(Path file) {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != 0x00000801) {
        throw new UserError(file + " is not an idx1 label file (magic " + Integer.toHexString(magic)
            + ", expected 801)");
      }
      int n = in.readInt();
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = in.readUnsignedByte();
      }
      return labels;
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** {@code dir/name.gz} or {@code dir/name}, whichever exists. */
  public static Path find(Path dir, String name) {
    for (Path p : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new UserError("no " + name + ".gz in " + dir + " (the Fashion-MNIST idx files)");
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return new DataInputStream(new java.io.BufferedInputStream(
        file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16));
  }
}
