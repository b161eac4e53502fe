package org.scrl4j.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;

/**
 * A run's output folder ({@code save_dir}): checkpoints, TensorBoard events, {@code log.txt},
 * {@code config.yaml}, {@code log_result.txt} and {@code curves.png}.
 *
 * <p>Without {@code --save_dir} every run gets a fresh numbered folder {@code runs/<config>_NNN}
 * (000, 001, ...), so resuming needs the folder named explicitly ({@code --save_dir} or
 * {@code --load_dir}).
 */
public final class RunDirectory {
  /** Root of the numbered default folders, relative to the working directory. */
  public static final Path DEFAULT_ROOT = Path.of("runs");
  public static final String RESULT_FILE = "log_result.txt";
  public static final String CONFIG_FILE = "config.yaml";
  public static final String LOG_FILE = "log.txt";
  /** Pre-training's curves (loss, lr, m, top-1, images/s), redrawn at every epoch end. */
  public static final String CURVES_FILE = "curves.png";
  private static final Logger log = LogManager.getLogger(RunDirectory.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final Path path;

  private RunDirectory(Path path) {
    this.path = path;
  }

  /**
   * Creates the next free {@code root/<configName>_NNN}. Creation is the claim (createDirectory is
   * atomic), so two runs started at once on one machine never share a folder.
   */
  public static RunDirectory createNumbered(Path root, String configName) {
    if (configName.isBlank() || configName.contains("/") || configName.contains("\\")) {
      throw new IllegalArgumentException("config name must be a plain file stem: '" + configName + "'");
    }
    requireWritableDirectory(root, "runs root");
    for (int n = 0; n < 100_000; n++) {
      Path candidate = root.resolve(configName + "_" + String.format("%03d", n));
      if (Files.exists(candidate)) {
        continue;
      }
      try {
        Files.createDirectory(candidate);
        log.info("new run directory {}", candidate);
        return new RunDirectory(candidate);
      } catch (FileAlreadyExistsException raced) {
        // another run claimed it between the check and the create: try the next number
      } catch (IOException e) {
        throw new UserError("cannot create run directory " + candidate + ": " + e.getMessage(), e);
      }
    }
    throw new UserError("no free run number under " + root + "; clean it up or pass --save_dir");
  }

  /** Uses an explicit {@code --save_dir} (created if missing; existing contents are kept). */
  public static RunDirectory open(Path saveDir) {
    requireWritableDirectory(saveDir, "save_dir");
    return new RunDirectory(saveDir);
  }

  public Path path() {
    return path;
  }

  /**
   * Writes the resolved config for the record (replacing an older copy atomically): a resumed run
   * shows what it runs with now, the checkpoint's state.json what it ran with then.
   */
  public Path writeConfig(String yamlText) throws IOException {
    return replaceFile(CONFIG_FILE, yamlText.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Replaces {@code name} in the folder with {@code content} atomically: written beside it as
   * {@code name.tmp-<pid>}, then renamed over it, so a crash leaves the old file or the new one,
   * never half of one. Temporary copies a killed process left behind are deleted first.
   */
  public Path replaceFile(String name, byte[] content) throws IOException {
    if (name.contains("/") || name.contains("\\")) {
      throw new IllegalArgumentException("a plain file name, got " + name);
    }
    Path file = path.resolve(name);
    Path tmp = path.resolve(name + ".tmp-" + ProcessHandle.current().pid());
    try (var stale = Files.newDirectoryStream(path, name + ".tmp-*")) {
      for (Path p : stale) {
        Files.deleteIfExists(p);
      }
    }
    Files.write(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  /**
   * Appends one timestamped line to {@code log_result.txt} (final pre-training and linear-eval
   * results; the file collects the lines of every run in this folder, like the original's).
   */
  public void appendResult(String line) throws IOException {
    if (line.contains("\n")) {
      throw new IllegalArgumentException("one line per result, got: " + line);
    }
    Files.writeString(path.resolve(RESULT_FILE), STAMP.format(LocalDateTime.now()) + " " + line + "\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Creates {@code dir} if needed and proves it writable by creating and deleting a probe file
   * (permission bits lie for root and on network file systems).
   *
   * @param what the flag name for the message, e.g. "save_dir"
   * @throws UserError naming the directory and the reason
   */
  static void requireWritableDirectory(Path dir, String what) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UserError(what + " " + dir + " cannot be created (" + reason(e)
          + "); pass a writable --save_dir");
    }
    if (!Files.isDirectory(dir)) {
      throw new UserError(what + " " + dir + " is not a directory; pass a writable --save_dir");
    }
    Path probe = dir.resolve(".write-test-" + ProcessHandle.current().pid());
    try {
      Files.deleteIfExists(probe);
      Files.writeString(probe, "ok");
      Files.delete(probe);
    } catch (IOException e) {
      throw new UserError(what + " " + dir + " is not writable (" + reason(e)
          + "); fix its permissions or pass another --save_dir");
    }
  }

  private static String reason(IOException e) {
    String name = e.getClass().getSimpleName().replace("Exception", "");
    return e.getMessage() == null ? name : name + ": " + e.getMessage();
  }
}
