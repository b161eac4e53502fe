package org.scrl4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * ImageNet as TFRecord shards in the standard layout of TensorFlow's build_imagenet_data.py: files
 * {@code <root>/train-NNNNN-of-NNNNN} and {@code validation-NNNNN-of-NNNNN}, each record a
 * tf.train.Example with {@code image/encoded} (JPEG bytes), {@code image/class/label} (int64, 1-based:
 * 0 is the unused "background" class) and optionally {@code image/class/synset}.
 *
 * <p>Opening a split walks the record headers once (a seek per record), so any record can then be
 * read by its global index. The number of classes comes from {@code <root>/labels.txt} (one class
 * per line, in label order; written by {@code scrl convert}); without it the labels of the
 * validation split are scanned once.
 */
public final class TfRecordSource implements ImageSource {
  private static final Logger LOG = LogManager.getLogger(TfRecordSource.class);
  public static final String ENCODED_KEY = "image/encoded";
  public static final String LABEL_KEY = "image/class/label";
  public static final String SYNSET_KEY = "image/class/synset";
  public static final String LABELS_FILE = "labels.txt";
  /** Label of class 0 in the standard layout. */
  public static final int STANDARD_LABEL_BASE = 1;

  private static final Map<Path, Integer> SCANNED_CLASS_COUNTS = new ConcurrentHashMap<>();

  private final Path root;
  private final Split split;
  private final RecordIndex index;
  private final int labelBase;

  private TfRecordSource(Path root, Split split, RecordIndex index, int labelBase) {
    this.root = root;
    this.split = split;
    this.index = index;
    this.labelBase = labelBase;
  }

  /** Opens a split with the standard 1-based labels. */
  public static TfRecordSource open(Path root, Split split) {
    return open(root, split, STANDARD_LABEL_BASE);
  }

  /**
   * Opens a split whose records store class 0 as label {@code labelBase}.
   *
   * @throws UserError for a missing root, no or incomplete shard sets, or broken record framing
   */
  public static TfRecordSource open(Path root, Split split, int labelBase) {
    List<Path> shards = shards(root, split);
    if (shards.isEmpty()) {
      throw new UserError("no TFRecord shards " + split.shardPrefix() + "-*-of-* in " + root);
    }
    // Shards are scanned in parallel (a seek per record adds up over ImageNet's 1.28M records).
    List<ShardScan> scans = shards.parallelStream().map(TfRecordSource::scanShard).toList();
    int n = 0;
    for (ShardScan scan : scans) {
      n += scan.count;
    }
    String[] files = new String[shards.size()];
    long[] fileSizes = new long[shards.size()];
    int[] file = new int[n];
    long[] offset = new long[n];
    long[] length = new long[n];
    int at = 0;
    for (int f = 0; f < scans.size(); f++) {
      ShardScan scan = scans.get(f);
      files[f] = shards.get(f).toString();
      fileSizes[f] = scan.fileSize;
      java.util.Arrays.fill(file, at, at + scan.count, f);
      System.arraycopy(scan.offsets, 0, offset, at, scan.count);
      System.arraycopy(scan.lengths, 0, length, at, scan.count);
      at += scan.count;
    }
    if (n == 0) {
      throw new UserError("the " + split.shardPrefix() + " TFRecord shards in " + root
          + " hold no images");
    }
    RecordIndex index = new RecordIndex(RecordIndex.Kind.TF_EXAMPLE, files, fileSizes, file,
        offset, length, null);
    return new TfRecordSource(root, split, index, labelBase);
  }

  /** Payload positions of one shard's records. */
  private record ShardScan(long fileSize, int count, long[] offsets, long[] lengths) {}

  private static ShardScan scanShard(Path shard) {
    try {
      long size = Files.size(shard);
      long[][] off = {new long[1024]};
      long[][] len = {new long[1024]};
      int[] count = {0};
      TfRecords.scan(shard, (dataOffset, dataLength) -> {
        int i = count[0];
        if (i == off[0].length) {
          off[0] = java.util.Arrays.copyOf(off[0], 2 * i);
          len[0] = java.util.Arrays.copyOf(len[0], 2 * i);
        }
        off[0][i] = dataOffset;
        len[0][i] = dataLength;
        count[0] = i + 1;
      });
      if (count[0] == 0) {
        LOG.warn("TFRecord shard {} holds no records", shard);
      }
      return new ShardScan(size, count[0], off[0], len[0]);
    } catch (TfRecords.CorruptRecordException e) {
      throw new UserError("corrupt TFRecord shard " + e.getMessage() + "; re-copy or re-convert it");
    } catch (IOException e) {
      throw new UserError("cannot read TFRecord shard " + shard + ": " + e.getMessage());
    }
  }

  private static final Pattern SHARD = Pattern.compile("(train|validation)-(\\d+)-of-(\\d+)");

  /** The shard files of a split in name order; checks that the set named by "-of-N" is complete. */
  static List<Path> shards(Path root, Split split) {
    if (!Files.isDirectory(root)) {
      throw new UserError("dataset root " + root + " does not exist or is not a directory");
    }
    List<Path> found = new ArrayList<>();
    TreeSet<Integer> totals = new TreeSet<>();
    TreeSet<Integer> numbers = new TreeSet<>();
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.sorted().toList()) {
        Matcher m = SHARD.matcher(p.getFileName().toString());
        if (m.matches() && m.group(1).equals(split.shardPrefix()) && Files.isRegularFile(p)) {
          found.add(p);
          numbers.add(Integer.parseInt(m.group(2)));
          totals.add(Integer.parseInt(m.group(3)));
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot list " + root + ": " + e.getMessage());
    }
    if (found.isEmpty()) {
      return found;
    }
    if (totals.size() > 1) {
      throw new UserError("the " + split.shardPrefix() + " shards in " + root
          + " mix different totals (-of-" + totals + "); keep one set");
    }
    int total = totals.first();
    for (int i = 0; i < total; i++) {
      if (!numbers.contains(i)) {
        throw new UserError(String.format("TFRecord shard %s-%05d-of-%05d is missing from %s"
            + " (found %d of %d)", split.shardPrefix(), i, total, root, found.size(), total));
      }
    }
    return found;
  }

  /** True when {@code root} holds shards of the split. */
  public static boolean hasShards(Path root, Split split) {
    try (Stream<Path> s = Files.list(root)) {
      return s.anyMatch(p -> {
        Matcher m = SHARD.matcher(p.getFileName().toString());
        return m.matches() && m.group(1).equals(split.shardPrefix());
      });
    } catch (IOException e) {
      return false;
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public Split split() {
    return split;
  }

  @Override
  public RecordIndex index() {
    return index;
  }

  /** Label value of the records that is class 0 (1 for the standard ImageNet TFRecord layout). */
  public int labelBase() {
    return labelBase;
  }

  /** Parses the record as a tf.train.Example: the encoded image and the label shifted to 0-based. */
  @Override
  public DecodedImage decode(Ops tf, RecordOperands record) {
    Operand<TString> serialized = record.tfRecord(tf);
    var parsed = tf.io.parseExample(tf.reshape(serialized, tf.constant(new long[] {1})),
        strings(tf), strings(tf), strings(tf, LABEL_KEY, ENCODED_KEY), strings(tf),
        List.of(tf.constant(-1L), tf.constant("")), 0L, List.of(), List.of(), List.of(),
        List.of(Shape.scalar(), Shape.scalar()));
    @SuppressWarnings("unchecked")
    Operand<TInt64> raw = (Operand<TInt64>) parsed.denseValues().get(0);
    @SuppressWarnings("unchecked")
    Operand<TString> bytes = (Operand<TString>) parsed.denseValues().get(1);
    Operand<TInt64> rawLabel = tf.reshape(raw, tf.constant(new long[0]));
    Operand<TString> encoded = tf.reshape(bytes, tf.constant(new long[0]));
    Operand<TInt64> label = tf.select(tf.math.greaterEqual(rawLabel, tf.constant((long) labelBase)),
        tf.math.sub(rawLabel, tf.constant((long) labelBase)), tf.constant(-1L));
    return new DecodedImage(DecodedImage.decodeEncoded(tf, encoded), label);
  }

  private static Operand<TString> strings(Ops tf, String... values) {
    if (values.length == 0) {
      return tf.constant(NdArrays.ofObjects(String.class, Shape.of(0)));
    }
    return tf.constant(StandardCharsets.UTF_8, values);
  }

  @Override
  public int numClasses() {
    Path labels = root.resolve(LABELS_FILE);
    if (Files.isRegularFile(labels)) {
      try (Stream<String> lines = Files.lines(labels)) {
        return (int) lines.filter(l -> !l.isBlank()).count();
      } catch (IOException e) {
        throw new UserError("cannot read " + labels + ": " + e.getMessage());
      }
    }
    return SCANNED_CLASS_COUNTS.computeIfAbsent(root.toAbsolutePath().normalize(), r -> {
      TfRecordSource scanned = split == Split.VALIDATION || !hasShards(root, Split.VALIDATION)
          ? this : open(root, Split.VALIDATION, labelBase);
      LOG.info("no {} in {}: scanning the labels of {} {} records for the class count",
          LABELS_FILE, root, scanned.size(), scanned.split.shardPrefix());
      int max = -1;
      for (int i = 0; i < scanned.size(); i++) {
        try {
          max = Math.max(max, scanned.readLabel(i));
        } catch (IOException e) {
          throw new UserError("cannot read " + scanned.index.describe(i) + ": " + e.getMessage());
        }
      }
      return max + 1;
    });
  }

  /** The parsed tf.train.Example of image i. */
  public Example readExample(int i) throws IOException {
    byte[] bytes = TfRecords.read(Path.of(index.path(i)), index.offset(i), index.length(i));
    try {
      return Example.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IOException("record is not a tf.train.Example: " + e.getMessage());
    }
  }

  @Override
  public byte[] readImage(int i) throws IOException {
    Feature f = readExample(i).getFeatures().getFeatureMap().get(ENCODED_KEY);
    if (f == null || !f.hasBytesList() || f.getBytesList().getValueCount() != 1) {
      throw new IOException("record has no single " + ENCODED_KEY + " bytes feature");
    }
    return f.getBytesList().getValue(0).toByteArray();
  }

  @Override
  public int readLabel(int i) throws IOException {
    Feature f = readExample(i).getFeatures().getFeatureMap().get(LABEL_KEY);
    if (f == null || !f.hasInt64List() || f.getInt64List().getValueCount() == 0) {
      return -1;
    }
    long raw = f.getInt64List().getValue(0);
    return raw >= labelBase ? (int) (raw - labelBase) : -1;
  }

  @Override
  public String toString() {
    return "TfRecordSource[" + root + ", " + split + ", " + size() + " images]";
  }
}
