package org.scrl4j.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.scrl4j.common.UserError;

/** Output-path checks shared by the exporters, so an unwritable target fails before any work. */
public final class ExportPaths {
  private ExportPaths() {}

  /** Creates the parent directory of a file to be written; UserError if that is impossible. */
  public static void prepareFile(Path out) {
    if (Files.isDirectory(out)) {
      throw new UserError("--out " + out + " is a directory; give a file name");
    }
    Path parent = out.toAbsolutePath().getParent();
    ensureWritableDir(parent, out);
    if (Files.exists(out) && !Files.isWritable(out)) {
      throw new UserError("--out " + out + " exists and is not writable");
    }
  }

  /** Creates an empty-or-new output directory; UserError if it is a file or not writable. */
  public static void prepareDir(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UserError("--out " + dir + " is a file; a SavedModel is a directory");
    }
    ensureWritableDir(dir, dir);
    try (var entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new UserError("--out " + dir + " is not empty; give a new directory for the SavedModel");
      }
    } catch (IOException e) {
      throw new UserError("cannot list --out " + dir + ": " + e.getMessage());
    }
  }

  private static void ensureWritableDir(Path dir, Path out) {
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      throw new UserError("cannot create directory " + dir + " for --out " + out + ": " + e);
    }
    if (!Files.isWritable(dir)) {
      throw new UserError("directory " + dir + " is not writable; choose another --out than " + out);
    }
  }
}
