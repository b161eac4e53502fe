package org.scrl4j.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.scrl4j.data.EpochPlan;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;

/**
 * The checkpoints of one run directory ({@code save_dir}).
 *
 * <p>Layout: {@code checkpoint_{epoch}/} for snapshot epochs (kept forever),
 * {@code checkpoint_resume_{globalStep}/} for the other saves (rolling: only the ones that
 * {@code checkpoint_last} or {@code checkpoint_best} point to survive the next save), and the
 * relative symlinks {@code checkpoint_last} and {@code checkpoint_best}. Each directory holds
 * {@code weights.npz} and {@code state.json}.
 *
 * <p>Crash safety: a checkpoint is written into {@code <name>.tmp-<pid>/}, both files and the
 * directory are fsynced, then the directory is renamed to its final name and the save directory
 * fsynced; only then are the links swung (a temporary link renamed over the old one). A directory
 * with a final name is therefore always complete, and a kill at any instant leaves the previous
 * checkpoint loadable. Readers trust only complete directories and fall back to the newest one
 * when a link dangles.
 */
public final class CheckpointStore {
  public static final String LAST = "checkpoint_last";
  public static final String BEST = "checkpoint_best";
  private static final String PREFIX = "checkpoint_";
  private static final String RESUME_PREFIX = "checkpoint_resume_";
  private static final Pattern FINAL_NAME = Pattern.compile("checkpoint_(resume_)?(\\d+)");
  private static final Pattern LEFTOVER = Pattern.compile(".+\\.(tmp|old)-(\\d+)");
  private static final Logger log = LogManager.getLogger(CheckpointStore.class);

  private final Path dir;
  private final long pid = ProcessHandle.current().pid();

  private CheckpointStore(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens {@code saveDir} for writing checkpoints: creates it, proves it writable and removes
   * half-written directories left by dead processes. Call before any training so a bad save_dir
   * fails in seconds, not after the first epoch.
   *
   * @throws UserError when the directory cannot be created or written
   */
  public static CheckpointStore create(Path saveDir) {
    RunDirectory.requireWritableDirectory(saveDir, "save_dir");
    requireSymlinks(saveDir);
    CheckpointStore store = new CheckpointStore(saveDir);
    store.removeLeftovers();
    return store;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Saves a checkpoint atomically and moves {@code checkpoint_last} to it.
   *
   * @param weights every variable by full TF name, TF layout, including the int64 scalar "global_step"
   * @param snapshot true for a snapshot epoch (kept as {@code checkpoint_{epoch}}), false for a
   *     rolling resume save
   * @param newBest true when {@code state.bestEpoch()} was just improved: {@code checkpoint_best}
   *     moves here too
   * @return the written checkpoint
   */
  public Checkpoint save(CheckpointState state, Map<String, NpyArray> weights, boolean snapshot,
      boolean newBest) throws IOException {
    requireMatchingStep(state, weights);
    long start = System.nanoTime();
    String name = snapshot ? PREFIX + state.epoch() : RESUME_PREFIX + state.globalStep();
    Path tmp = dir.resolve(name + ".tmp-" + pid);
    deleteRecursively(tmp);
    Files.createDirectory(tmp);

    Path weightsFile = tmp.resolve(Checkpoint.WEIGHTS);
    Npz.write(weightsFile, weights);
    fsync(weightsFile);
    long weightsBytes = Files.size(weightsFile);
    writeDurably(tmp.resolve(Checkpoint.STATE), state.toJson(weightsBytes));
    fsync(tmp);

    Path target = dir.resolve(name);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      // Same epoch saved again (a run restarted from an older checkpoint): swap, then drop the old.
      Path old = dir.resolve(name + ".old-" + pid);
      deleteRecursively(old);
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      fsync(dir);
      deleteRecursively(old);
    } else {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
    fsync(dir);

    pointLink(LAST, name);
    if (newBest) {
      pointLink(BEST, name);
    }
    fsync(dir);
    pruneRollingSaves();

    log.info("saved {} ({} MB, {} s){}", target, String.format("%.1f", weightsBytes / 1e6),
        String.format("%.1f", (System.nanoTime() - start) / 1e9), newBest ? " [new best]" : "");
    return new Checkpoint(target, state, weightsBytes);
  }

  /**
   * The checkpoint a run in {@code dir} resumes from: the newest complete one (by global step).
   * Normally that is where {@code checkpoint_last} points; when the link dangles, points at an
   * incomplete directory or lags behind (a kill between rename and link update), this says so in
   * the log and uses the newest complete checkpoint. Read-only: works on another run's directory.
   *
   * @return empty when the directory has no complete checkpoint (or does not exist)
   */
  public static Optional<Checkpoint> findLatest(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    List<Checkpoint> complete = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String n = p.getFileName().toString();
        if (FINAL_NAME.matcher(n).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Optional<Checkpoint> c = readComplete(p);
          if (c.isPresent()) {
            complete.add(c.get());
          } else {
            log.warn("ignoring incomplete checkpoint directory {}", p);
          }
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
    }
    Optional<Checkpoint> newest = complete.stream().max(Comparator
        .comparingLong((Checkpoint c) -> c.state().globalStep())
        .thenComparingInt(c -> c.state().epoch())
        .thenComparing(c -> !c.dir().getFileName().toString().startsWith(RESUME_PREFIX)));
    if (newest.isEmpty()) {
      return newest;
    }
    Path last = dir.resolve(LAST);
    String lastTarget = linkTarget(last);
    String newestName = newest.get().dir().getFileName().toString();
    if (lastTarget == null) {
      log.warn("{} is missing; resuming from the newest complete checkpoint {}", last, newest.get());
    } else if (!lastTarget.equals(newestName)) {
      Optional<Checkpoint> pointed = readComplete(last);
      String why = pointed.isEmpty() ? "points to " + lastTarget + ", which is missing or incomplete"
          : "points to the older " + lastTarget;
      log.warn("{} {}; resuming from the newest complete checkpoint {}", last, why, newest.get());
    }
    return newest;
  }

  /**
   * Like {@link #findLatest} for an explicitly given {@code load_dir}, where having nothing to load
   * is an error rather than a fresh start.
   */
  public static Checkpoint requireLatest(Path loadDir) {
    if (!Files.isDirectory(loadDir)) {
      throw new UserError("load_dir " + loadDir + " does not exist; give a run directory that holds "
          + "checkpoint_* folders");
    }
    return findLatest(loadDir).orElseThrow(() -> new UserError("load_dir " + loadDir
        + " holds no complete checkpoint (checkpoint_*/state.json + weights.npz); check the path"));
  }

  /**
   * Where a starting run resumes from. With an explicit {@code loadDir} (the user's --load_dir)
   * finding nothing is an error; otherwise an empty {@code saveDir} means a fresh start. The found
   * checkpoint must match the run's backbone, width and method.
   *
   * @param loadDir explicit --load_dir, or null to resume from {@code saveDir}
   * @param trainingSetSize this run's training images; when they are not the ones the checkpoint's
   *     data order was drawn for, this is logged, since a mid-epoch data position then no longer
   *     names the same examples
   * @param runWorld this run's processes: the checkpoint's own when it does not record its world
   */
  public static Optional<Checkpoint> resolveResume(Path saveDir, Path loadDir, String arch, int width,
      String method, int trainingSetSize, int runWorld) {
    Optional<Checkpoint> found = loadDir != null ? Optional.of(requireLatest(loadDir)) : findLatest(saveDir);
    found.ifPresent(c -> {
      CheckpointState st = c.state();
      st.requireCompatible(arch, width, method, c.dir());
      // datasetSize is one process's share: compare it with this training set dealt to as many.
      int world = st.worldSize() > 0 ? st.worldSize() : runWorld;
      long expected = EpochPlan.shardSize(trainingSetSize, 0, world, true);
      if (st.datasetSize() != expected) {
        log.warn("{} was trained on {} examples per epoch per process ({} process(es)); this run's {}"
                + " images would give {}{}", c.dir(), st.datasetSize(), world, trainingSetSize, expected,
            st.midEpoch() ? "; its mid-epoch data position restarts the epoch's order" : "");
      }
      log.info("resuming from {}", c);
    });
    return found;
  }

  /** Parses a checkpoint directory; empty when it lacks a file, is truncated or is unreadable. */
  static Optional<Checkpoint> readComplete(Path checkpointDir) {
    try {
      String json = Files.readString(checkpointDir.resolve(Checkpoint.STATE), StandardCharsets.UTF_8);
      CheckpointState.Stored stored = CheckpointState.fromJson(json);
      long size = Files.size(checkpointDir.resolve(Checkpoint.WEIGHTS));
      if (size != stored.weightsBytes()) {
        log.warn("{}: weights.npz has {} bytes, state.json says {}", checkpointDir, size,
            stored.weightsBytes());
        return Optional.empty();
      }
      return Optional.of(new Checkpoint(checkpointDir, stored.state(), size));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | IllegalArgumentException | ArithmeticException e) {
      log.warn("{}: unreadable state.json ({})", checkpointDir, e.getMessage());
      return Optional.empty();
    }
  }

  private static void requireMatchingStep(CheckpointState state, Map<String, NpyArray> weights) {
    NpyArray step = weights.get("global_step");
    if (step != null && step.dtype() == NpyArray.Dtype.I8 && step.size() == 1
        && step.longs()[0] != state.globalStep()) {
      throw new IllegalArgumentException("global_step variable " + step.longs()[0]
          + " disagrees with state.globalStep " + state.globalStep());
    }
  }

  /** checkpoint_last/best are symlinks: find out now, not at the end of the first epoch. */
  private static void requireSymlinks(Path saveDir) {
    Path probe = saveDir.resolve(".link-test-" + ProcessHandle.current().pid());
    try {
      Files.deleteIfExists(probe);
      Files.createSymbolicLink(probe, Path.of("checkpoint_0"));
      Files.delete(probe);
    } catch (IOException | UnsupportedOperationException e) {
      throw new UserError("save_dir " + saveDir + " is on a file system without symbolic links ("
          + e.getMessage() + "), which checkpoint_last/checkpoint_best need; pass a --save_dir on a "
          + "local or POSIX file system");
    }
  }

  /** Swings {@code link} to {@code targetName} atomically: a fresh link renamed over the old one. */
  private void pointLink(String link, String targetName) throws IOException {
    Path tmpLink = dir.resolve(link + ".tmp-" + pid);
    Files.deleteIfExists(tmpLink);
    Files.createSymbolicLink(tmpLink, Path.of(targetName));
    Path final_ = dir.resolve(link);
    if (Files.isDirectory(final_, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(tmpLink);
      throw new UserError(final_ + " is a real directory, not a link; move it away so scrl4j can "
          + "manage its checkpoint links");
    }
    Files.move(tmpLink, final_, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Deletes rolling saves that neither link references any more. */
  private void pruneRollingSaves() throws IOException {
    String last = linkTarget(dir.resolve(LAST));
    String best = linkTarget(dir.resolve(BEST));
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, RESUME_PREFIX + "*")) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        if (FINAL_NAME.matcher(n).matches() && !n.equals(last) && !n.equals(best)) {
          deleteRecursively(p);
        }
      }
    }
  }

  /** Removes {@code *.tmp-<pid>} / {@code *.old-<pid>} entries whose writer is no longer running. */
  private void removeLeftovers() {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path p : entries) {
        Matcher m = LEFTOVER.matcher(p.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        long owner = Long.parseLong(m.group(2));
        boolean alive = owner != pid && ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
          log.info("removing {} left by an interrupted save", p);
          deleteRecursively(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + dir, e);
    }
  }

  /** The link's target name, or null when it is not a symlink. */
  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).getFileName().toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static void writeDurably(Path file, String text) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  /** fsync of a file or directory (Linux allows opening a directory read-only to sync it). */
  static void fsync(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> children = Files.list(p)) {
        for (Path c : (Iterable<Path>) children::iterator) {
          deleteRecursively(c);
        }
      }
    }
    try {
      Files.delete(p);
    } catch (NoSuchFileException | FileAlreadyExistsException ignored) {
      // removed concurrently: the goal is reached
    }
  }
}
