package org.scrl4j.train;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.data.TfRecords;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;
import org.tensorflow.proto.TensorProto;

/**
 * The scalar curves of a run folder read back from its TensorBoard event files
 * ({@code events.out.tfevents.*}), the way TensorBoard shows them: every file, in the order the
 * files were started, and a session-start marker ({@link TensorBoardWriter#restartAt}) at step s
 * dropping the points at or after s read so far, i.e. what a killed run wrote after its last
 * checkpoint. So a resumed run's curves hold the whole history of the folder, not only what this
 * process recorded.
 *
 * <p>A file that ends inside a record (a killed writer) or has a damaged record is read up to
 * that record.
 */
public final class TensorBoardScalars {
  private static final Logger log = LogManager.getLogger(TensorBoardScalars.class);
  private static final String PREFIX = "events.out.tfevents.";

  /** One curve: ascending steps and their values (TensorBoard stores float32). */
  public record Series(long[] steps, double[] values) {
    static final Series EMPTY = new Series(new long[0], new double[0]);

    public int size() {
      return steps.length;
    }
  }

  private final Map<String, Series> byTag;

  private TensorBoardScalars(Map<String, Series> byTag) {
    this.byTag = byTag;
  }

  /** Every scalar of the event files directly in {@code dir} (none when it has no such file). */
  public static TensorBoardScalars read(Path dir) throws IOException {
    Map<String, Growing> curves = new LinkedHashMap<>();
    for (Path file : eventFiles(dir)) {
      readFile(file, curves);
    }
    Map<String, Series> byTag = new LinkedHashMap<>();
    curves.forEach((tag, g) -> byTag.put(tag, g.toSeries()));
    return new TensorBoardScalars(byTag);
  }

  /** The curve of {@code tag}; empty when the files have none. */
  public Series series(String tag) {
    return byTag.getOrDefault(tag, Series.EMPTY);
  }

  public Set<String> tags() {
    return byTag.keySet();
  }

  /** The largest step of any curve (0 without points). */
  public long lastStep() {
    return byTag.values().stream().filter(s -> s.size() > 0).mapToLong(s -> s.steps()[s.size() - 1])
        .max().orElse(0);
  }

  /**
   * The event files of {@code dir}, oldest first by the wall time of their first event (the file
   * name's seconds tie for files started within a second, as a killed and resumed test run does).
   */
  static List<Path> eventFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isRegularFile(p))
          .toList();
    }
    Map<Path, Double> started = new LinkedHashMap<>();
    for (Path f : files) {
      started.put(f, firstWallTime(f));
    }
    List<Path> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparingDouble((Path f) -> started.get(f))
        .thenComparing(f -> f.getFileName().toString()));
    return sorted;
  }

  private static double firstWallTime(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      byte[] record = nextRecord(in, file);
      return record == null ? Double.MAX_VALUE : Event.parseFrom(record).getWallTime();
    }
  }

  private static void readFile(Path file, Map<String, Growing> curves) throws IOException {
    try (DataInputStream in = open(file)) {
      byte[] record;
      while ((record = nextRecord(in, file)) != null) {
        Event e;
        try {
          e = Event.parseFrom(record);
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
          log.warn("{}: unreadable event ({}); reading the rest of the folder without it", file, bad.getMessage());
          continue;
        }
        if (e.hasSessionLog() && e.getSessionLog().getStatus() == SessionLog.SessionStatus.START) {
          for (Growing g : curves.values()) {
            g.dropFrom(e.getStep());
          }
        }
        if (e.hasSummary()) {
          for (Summary.Value v : e.getSummary().getValueList()) {
            if (v.hasSimpleValue() || v.hasTensor()) { // scalars; no images or histograms here
              curves.computeIfAbsent(v.getTag(), t -> new Growing()).add(e.getStep(), scalarOf(v));
            }
          }
        }
      }
    }
  }

  /** simple_value, or a rank-0 float/double tensor (how TF 2 summary kernels may store it). */
  private static double scalarOf(Summary.Value v) {
    if (v.hasTensor()) {
      TensorProto t = v.getTensor();
      if (t.getFloatValCount() == 1) {
        return t.getFloatVal(0);
      }
      if (t.getDoubleValCount() == 1) {
        return t.getDoubleVal(0);
      }
      ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      return b.remaining() == 4 ? b.getFloat(0) : b.remaining() == 8 ? b.getDouble(0) : Double.NaN;
    }
    return v.getSimpleValue();
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream in = Files.newInputStream(file);
    return new DataInputStream(new BufferedInputStream(in, 1 << 16));
  }

  /**
   * The next record's payload ({@link TfRecords#next}); null at the end of the file, and at a
   * truncated or damaged record (logged), so a file is read up to the first bad record.
   */
  private static byte[] nextRecord(DataInputStream in, Path file) throws IOException {
    try {
      return TfRecords.next(in, file);
    } catch (TfRecords.CorruptRecordException damaged) {
      log.warn("{}; reading the file up to it", damaged.getMessage());
      return null;
    } catch (EOFException truncated) {
      log.debug("{} ends inside a record (its writer was stopped); read up to it", file);
      return null;
    }
  }

  /** A curve being read: steps and values in primitive arrays (a long run has millions). */
  private static final class Growing {
    private long[] steps = new long[256];
    private double[] values = new double[256];
    private int n;

    void add(long step, double value) {
      if (n == steps.length) {
        steps = Arrays.copyOf(steps, 2 * n);
        values = Arrays.copyOf(values, 2 * n);
      }
      steps[n] = step;
      values[n] = value;
      n++;
    }

    /** Drops the points at or after {@code step}, as TensorBoard does at a session start. */
    void dropFrom(long step) {
      int kept = 0;
      for (int i = 0; i < n; i++) {
        if (steps[i] < step) {
          steps[kept] = steps[i];
          values[kept] = values[i];
          kept++;
        }
      }
      n = kept;
    }

    /** Ascending by step; equal steps keep their order, so the later value is drawn last. */
    Series toSeries() {
      boolean sorted = true;
      for (int i = 1; i < n && sorted; i++) {
        sorted = steps[i - 1] <= steps[i];
      }
      if (sorted) {
        return new Series(Arrays.copyOf(steps, n), Arrays.copyOf(values, n));
      }
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparingLong(i -> steps[i]));
      long[] s = new long[n];
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        s[i] = steps[order[i]];
        v[i] = values[order[i]];
      }
      return new Series(s, v);
    }
  }
}
