package org.scrl4j.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.data.ParallelMapDataset;
import org.tensorflow.proto.data.DatasetOptions;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * An in-graph tf.data input pipeline over an {@link ImageSource}:
 *
 * <pre>
 *   epoch's image list (fed, host-planned by {@link EpochPlan})
 *     -> ParallelMapDatasetV2( the source reads and decodes the record ({@link ImageSource#decode})
 *                              -> {@link ImageTransform} seeded by (seed, epoch, global index) )
 *     -> [IgnoreErrorsDataset when skipCorrupt] -> BatchDatasetV2
 *     -> ParallelMapDatasetV2( {@link ImageTransform#finishBatch}: the per-batch work ) -> PrefetchDataset
 *     -> MaxIntraOpParallelismDataset(1) -> PrivateThreadPoolDataset(parallel calls)
 *     -> IteratorV2 / MakeIterator / IteratorGetNext
 * </pre>
 *
 * The batch tensors ({@link #outputs()}) are graph operands for a direct connection to a training
 * step; every {@code session.run} that uses any of them consumes one batch. {@link #startEpoch}
 * (re)initialises the iterator for an epoch, from any step, so a resumed run continues the same
 * sequence. A record TensorFlow cannot decode stops the step with a TensorFlow exception; pass it
 * to {@link #explain} for a one-line {@link UserError} naming the file.
 */
public final class InputPipeline {
  private static final Logger LOG = LogManager.getLogger(InputPipeline.class);
  public static final String LABEL = "label";
  public static final String INDEX = "index";
  public static final String POSITION = "position";

  private static final AtomicLong INSTANCES = new AtomicLong();

  /**
   * tf.data options with autotuning off. Every parallelism and buffer here is fixed, so the
   * autotuner has nothing to tune, and its model thread made epochs stall: an iterator's
   * destructor waits for that thread's current sleep between optimisation rounds, which grows to
   * seconds, so starting an epoch (a new iterator) sometimes waited 5-14 s with the CPU idle
   * (bench --what input, 1 thread: epoch start 0.3 s, or 9.6 and 13.9 s in two of four runs).
   */
  static final String WITHOUT_AUTOTUNE = serialized(DatasetOptions.Options.newBuilder()
      .setAutotuneOptions(DatasetOptions.AutotuneOptions.newBuilder().setEnabled(false))
      .build());

  private final ImageSource source;
  private final PipelineOptions options;
  private final List<TensorSpec> transformOutputs;
  private final Map<String, Operand<?>> outputs;

  private final Placeholder<TInt64> fileIds;
  private final Placeholder<TString> fileTable;
  private final Placeholder<TInt64> offsets;
  private final Placeholder<TInt64> lengths;
  private final Placeholder<TInt64> footers;
  private final Placeholder<TInt64> labels;
  private final Placeholder<TInt64> indices;
  private final Placeholder<TInt64> positions;
  private final Placeholder<TInt64> seedAndEpoch;
  private final Op makeIterator;
  private final Op resetCounters;
  private final Operand<TInt64> lastPosition;
  private final Operand<TInt64> delivered;

  private long epoch = -1;
  private int[] epochImages = new int[0];
  private long firstPosition;

  private InputPipeline(Ops tf, ImageSource source, ImageTransform transform,
      PipelineOptions options) {
    this.source = source;
    this.options = options;
    this.transformOutputs = List.copyOf(transform.outputs());
    for (TensorSpec s : transformOutputs) {
      if (s.name().equals(LABEL) || s.name().equals(INDEX) || s.name().equals(POSITION)) {
        throw new IllegalArgumentException("transform output name '" + s.name() + "' is reserved");
      }
    }
    Shape vector = Shape.of(Shape.UNKNOWN_SIZE);
    fileIds = tf.withName("file_ids").placeholder(TInt64.class, Placeholder.shape(vector));
    fileTable = tf.withName("files").placeholder(TString.class, Placeholder.shape(vector));
    offsets = tf.withName("offsets").placeholder(TInt64.class, Placeholder.shape(vector));
    lengths = tf.withName("lengths").placeholder(TInt64.class, Placeholder.shape(vector));
    footers = tf.withName("footers").placeholder(TInt64.class, Placeholder.shape(vector));
    labels = tf.withName("labels").placeholder(TInt64.class, Placeholder.shape(vector));
    indices = tf.withName("indices").placeholder(TInt64.class, Placeholder.shape(vector));
    positions = tf.withName("positions").placeholder(TInt64.class, Placeholder.shape(vector));
    seedAndEpoch = tf.withName("seed_epoch").placeholder(TInt64.class,
        Placeholder.shape(Shape.of(2)));

    List<Operand<?>> slices = List.of(fileIds, offsets, lengths, footers, labels, indices, positions);
    List<Shape> scalarShapes = Collections.nCopies(slices.size(), Shape.scalar());
    Operand<? extends TType> records = tf.data.tensorSliceDataset(slices, scalarShapes);

    List<Class<? extends TType>> types = new ArrayList<>();
    List<Shape> shapes = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (TensorSpec s : transformOutputs) {
      names.add(s.name());
      types.add(s.type());
      shapes.add(s.shape());
    }
    for (String extra : List.of(LABEL, INDEX, POSITION)) {
      names.add(extra);
      types.add(TInt64.class);
      shapes.add(Shape.scalar());
    }
    ConcreteFunction mapFn = ConcreteFunction.create(
        ftf -> mapSignature(ftf, source, transform));
    Operand<? extends TType> ds = tf.data.parallelMapDataset(records, List.of(seedAndEpoch, fileTable),
        tf.constant((long) options.parallelCalls()), mapFn, types, shapes,
        ParallelMapDataset.deterministic("true"), ParallelMapDataset.preserveCardinality(true));
    if (options.skipCorrupt()) {
      ds = tf.data.ignoreErrorsDataset(ds, types, shapes);
    }
    List<Shape> batchShapes = new ArrayList<>();
    for (Shape s : shapes) {
      batchShapes.add(Shape.of(options.training() ? options.batchSize() : Shape.UNKNOWN_SIZE)
          .append(s));
    }
    ds = tf.data.batchDataset(ds, tf.constant((long) options.batchSize()),
        tf.constant(options.training()), types, batchShapes);
    // The transform's per-batch work (finishBatch) as a second map, over batches: it runs on the
    // pipeline's threads, overlapped with the step like the per-image map, and stays on the CPU
    // when the step is on a GPU.
    List<String> finishedNames = new ArrayList<>();
    List<Class<? extends TType>> finishedTypes = new ArrayList<>();
    List<Shape> finishedShapes = new ArrayList<>();
    ConcreteFunction finishFn = ConcreteFunction.create(ftf -> finishSignature(ftf, transform,
        names, types, batchShapes, finishedNames, finishedTypes, finishedShapes));
    ds = tf.data.parallelMapDataset(ds, List.of(), tf.constant((long) options.parallelCalls()),
        finishFn, finishedTypes, finishedShapes, ParallelMapDataset.deterministic("true"),
        ParallelMapDataset.preserveCardinality(true));
    ds = tf.data.prefetchDataset(ds, tf.constant((long) options.prefetchBatches()), finishedTypes,
        finishedShapes);
    // One thread per map call, each running its element's kernels inline: the map work is many
    // small per-image kernels, which the session's shared intra-op pool would split across cores
    // and hand between threads (measured on 2 cores, bench --what input, 3 alternating runs each:
    // 56-63 images/s with the shared pools, 67-70 with these two datasets). A private pool also
    // keeps the pipeline's threads off the pool the training step's kernels run on.
    ds = tf.data.maxIntraOpParallelismDataset(ds, tf.constant(1L), finishedTypes, finishedShapes);
    ds = tf.data.privateThreadPoolDataset(ds, tf.constant((long) options.parallelCalls()),
        finishedTypes, finishedShapes);
    ds = tf.data.optionsDataset(ds, WITHOUT_AUTOTUNE, finishedTypes, finishedShapes);
    // Resources need names unique in the process: an empty shared_name would make every pipeline
    // of a session share one iterator and one pair of counters.
    String unique = "scrl4j_input_" + INSTANCES.incrementAndGet();
    Operand<? extends TType> iterator = tf.data.iterator(unique + "_iterator", "", finishedTypes,
        finishedShapes);
    makeIterator = tf.data.makeIterator(ds, iterator);
    List<org.tensorflow.Output<?>> next = tf.data.iteratorGetNext(iterator, finishedTypes,
        finishedShapes).components();

    // Book-keeping for skipCorrupt and explain(): the position of the newest batch's last image
    // and the images delivered so far, updated whenever a step consumes a batch.
    Operand<? extends TType> lastVar = tf.withName("last_position")
        .varHandleOp(TInt64.class, Shape.scalar(), VarHandleOp.sharedName(unique + "_last"));
    Operand<? extends TType> countVar = tf.withName("delivered")
        .varHandleOp(TInt64.class, Shape.scalar(), VarHandleOp.sharedName(unique + "_count"));
    @SuppressWarnings("unchecked")
    Operand<TInt64> batchPositions = (Operand<TInt64>) next.get(finishedNames.indexOf(POSITION));
    Op trackLast = tf.assignVariableOp(lastVar, tf.max(batchPositions, tf.constant(0)));
    Op trackCount = tf.assignAddVariableOp(countVar,
        tf.size(batchPositions, TInt64.class));
    resetCounters = tf.withControlDependencies(List.of(
            tf.assignVariableOp(lastVar, tf.constant(-1L)),
            tf.assignVariableOp(countVar, tf.constant(0L))))
        .noOp();
    lastPosition = tf.readVariableOp(lastVar, TInt64.class);
    delivered = tf.readVariableOp(countVar, TInt64.class);
    Ops tracked = tf.withControlDependencies(List.of(trackLast, trackCount));
    Map<String, Operand<?>> out = new LinkedHashMap<>();
    for (int i = 0; i < finishedNames.size(); i++) {
      out.put(finishedNames.get(i), tracked.withName(finishedNames.get(i)).identity(next.get(i)));
    }
    outputs = Collections.unmodifiableMap(out);
  }

  /**
   * Builds the pipeline into {@code tf}'s graph, under a new sub-scope {@code input} (made unique)
   * of {@code tf}'s scope. Leave the pipeline on the CPU: do not build it under a GPU device scope.
   */
  public static InputPipeline build(Ops tf, ImageSource source, ImageTransform transform,
      PipelineOptions options) {
    int perRank = (source.size() + options.world() - 1) / options.world();
    if (options.training() && perRank < options.batchSize()) {
      throw new UserError("batch size " + options.batchSize() + " is larger than the " + perRank
          + " images each of the " + options.world() + " processes reads from " + source
          + "; use a smaller batch or more images");
    }
    return new InputPipeline(tf.withSubScope("input"), source, transform, options);
  }

  private static Signature mapSignature(Ops tf, ImageSource source, ImageTransform transform) {
    Placeholder<TInt64> fileId = scalarInput(tf);
    Placeholder<TInt64> offset = scalarInput(tf);
    Placeholder<TInt64> length = scalarInput(tf);
    Placeholder<TInt64> footer = scalarInput(tf);
    Placeholder<TInt64> folderLabel = scalarInput(tf);
    Placeholder<TInt64> index = scalarInput(tf);
    Placeholder<TInt64> position = scalarInput(tf);
    Placeholder<TInt64> seedEpoch = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    Placeholder<TString> files = tf.placeholder(TString.class,
        Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    Operand<TString> path = tf.gather(files, fileId, tf.constant(0));
    DecodedImage decoded = source.decode(tf,
        new RecordOperands(path, offset, length, footer, folderLabel));
    Operand<TUint8> image = decoded.image();
    Operand<TInt64> label = decoded.label();
    // Philox key (run seed, epoch * 2^32 + global index): a different stream for every image of
    // every epoch, the same one whenever that image is read again in that epoch.
    Operand<TInt64> runSeed = tf.gather(seedEpoch, tf.constant(0), tf.constant(0));
    Operand<TInt64> epochOf = tf.gather(seedEpoch, tf.constant(1), tf.constant(0));
    Operand<TInt64> elementSeed = tf.stack(List.of(runSeed,
        tf.math.add(tf.math.mul(epochOf, tf.constant(1L << 32)), index)));
    Map<String, Operand<?>> transformed = transform.apply(tf, image, elementSeed);

    Signature.Builder sig = Signature.builder()
        .input("file_id", fileId).input("offset", offset).input("length", length)
        .input("footer", footer).input("folder_label", folderLabel).input("index", index)
        .input("position", position).input("seed_epoch", seedEpoch).input("files", files);
    for (TensorSpec s : transform.outputs()) {
      Operand<?> o = transformed.get(s.name());
      if (o == null) {
        throw new IllegalStateException("transform did not produce its output '" + s.name() + "'");
      }
      sig.output(s.name(), o);
    }
    sig.output(LABEL, label).output(INDEX, tf.identity(index))
        .output(POSITION, tf.identity(position));
    return sig.build();
  }

  /**
   * The batch map's function: the batched per-example outputs in, {@link
   * ImageTransform#finishBatch}'s tensors out; their names, types and shapes are added to the
   * three {@code finished} lists.
   */
  private static Signature finishSignature(Ops tf, ImageTransform transform, List<String> names,
      List<Class<? extends TType>> types, List<Shape> shapes, List<String> finishedNames,
      List<Class<? extends TType>> finishedTypes, List<Shape> finishedShapes) {
    Signature.Builder sig = Signature.builder();
    Map<String, Operand<?>> batch = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      Placeholder<?> p = tf.placeholder(types.get(i), Placeholder.shape(shapes.get(i)));
      batch.put(names.get(i), p);
      sig.input(names.get(i), p);
    }
    Map<String, Operand<?>> finished = transform.finishBatch(tf, batch);
    for (String kept : List.of(LABEL, INDEX, POSITION)) {
      if (finished.get(kept) != batch.get(kept)) {
        throw new IllegalStateException("finishBatch must pass '" + kept + "' through");
      }
    }
    for (Map.Entry<String, Operand<?>> e : finished.entrySet()) {
      Operand<?> o = e.getValue();
      finishedNames.add(e.getKey());
      finishedTypes.add(o.type());
      finishedShapes.add(o.shape());
      // A function output that is one of its inputs needs a node of its own.
      sig.output(e.getKey(), batch.containsValue(o) ? tf.identity(o) : o);
    }
    return sig.build();
  }

  private static Placeholder<TInt64> scalarInput(Ops tf) {
    return tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
  }

  /**
   * Batch tensors by name: the transform's outputs, each [batch, ...per-example shape], plus
   * {@code label} (int64 [batch], 0-based, -1 unlabelled), {@code index} (global image index) and
   * {@code position} (position in this rank's epoch list). The batch dimension is static for
   * training pipelines and unknown (last batch partial) for evaluation pipelines.
   */
  public Map<String, Operand<?>> outputs() {
    return outputs;
  }

  /** One output by name; see {@link #outputs()}. */
  @SuppressWarnings("unchecked")
  public <T extends TType> Operand<T> output(String name) {
    Operand<?> o = outputs.get(name);
    if (o == null) {
      throw new IllegalArgumentException("no pipeline output '" + name + "'; have "
          + outputs.keySet());
    }
    return (Operand<T>) o;
  }

  public ImageSource source() {
    return source;
  }

  public PipelineOptions options() {
    return options;
  }

  /** Images this rank reads per epoch (training: ceil(n / world), padded). */
  public int imagesPerEpoch() {
    return EpochPlan.shardSize(source.size(), options.rank(), options.world(), options.training());
  }

  /** Batches per epoch: full batches only when training, the last one partial when evaluating. */
  public long stepsPerEpoch() {
    int n = imagesPerEpoch();
    return options.training() ? n / options.batchSize()
        : (n + options.batchSize() - 1) / options.batchSize();
  }

  /**
   * Points the iterator at {@code epoch}, skipping the first {@code startStep} batches (to resume
   * inside an epoch). Call before the epoch's first step.
   */
  public void startEpoch(Session session, long epoch, long startStep) {
    int[] plan = EpochPlan.shard(source.size(), options.rank(), options.world(), options.seed(),
        epoch, options.training());
    long skip = Math.min((long) plan.length, startStep * options.batchSize());
    int count = plan.length - (int) skip;
    int spares = 0;
    if (options.skipCorrupt() && options.training() && plan.length > 0) {
      // Stand-ins for skipped records, so every rank still gets stepsPerEpoch full batches.
      spares = Math.min(plan.length, options.batchSize() + plan.length / 100);
    }
    int total = count + spares;
    int[] images = new int[total];
    long[] fid = new long[total];
    long[] off = new long[total];
    long[] len = new long[total];
    long[] foot = new long[total];
    long[] lab = new long[total];
    long[] idx = new long[total];
    long[] pos = new long[total];
    RecordIndex ri = source.index();
    for (int k = 0; k < total; k++) {
      int position = (int) skip + k;
      int i = k < count ? plan[position] : plan[(k - count) % plan.length];
      images[k] = i;
      fid[k] = ri.file[i];
      off[k] = ri.offset(i);
      len[k] = ri.length(i);
      foot[k] = ri.bytesAfter(i);
      lab[k] = ri.label(i);
      idx[k] = i;
      pos[k] = position;
    }
    // Per-image file ids into a table of the files (the shards, or the image files of a folder
    // source), so the per-epoch feed is mostly numbers.
    try (TString tp = TString.tensorOf(NdArrays.vectorOfObjects(ri.files));
        TInt64 tid = TInt64.vectorOf(fid);
        TInt64 to = TInt64.vectorOf(off);
        TInt64 tl = TInt64.vectorOf(len);
        TInt64 tfo = TInt64.vectorOf(foot);
        TInt64 tla = TInt64.vectorOf(lab);
        TInt64 ti = TInt64.vectorOf(idx);
        TInt64 tpo = TInt64.vectorOf(pos);
        TInt64 tse = TInt64.vectorOf(options.seed(), epoch)) {
      session.runner().feed(fileTable, tp).feed(fileIds, tid).feed(offsets, to).feed(lengths, tl).feed(footers, tfo)
          .feed(labels, tla).feed(indices, ti).feed(positions, tpo).feed(seedAndEpoch, tse)
          .addTarget(makeIterator).addTarget(resetCounters).run().close();
    }
    this.epoch = epoch;
    this.epochImages = images;
    this.firstPosition = skip;
  }

  /** What an epoch delivered; {@code skipped} counts undecodable records passed over. */
  public record EpochStats(long epoch, long delivered, long skipped) {}

  /**
   * Ends the current epoch: counts the records skipped as corrupt (only with skipCorrupt; logs a
   * warning with the count when there were any).
   */
  public EpochStats endEpoch(Session session) {
    long last;
    long count;
    try (var r = session.runner().fetch(lastPosition).fetch(delivered).run()) {
      last = ((TInt64) r.get(0)).getLong();
      count = ((TInt64) r.get(1)).getLong();
    }
    long consumedUpTo = last < 0 ? firstPosition : last + 1;
    long skipped = options.skipCorrupt() ? Math.max(0, consumedUpTo - firstPosition - count) : 0;
    if (skipped > 0) {
      LOG.warn("epoch {}: skipped {} corrupt image record{} of {} read (skipCorrupt is set)",
          epoch, skipped, skipped == 1 ? "" : "s", consumedUpTo - firstPosition);
    }
    return new EpochStats(epoch, count, skipped);
  }

  /**
   * Turns a TensorFlow error raised by a step that consumed this pipeline into a one-line
   * {@link UserError} naming the undecodable or unreadable image file, by decoding on the host the
   * records that were being prepared; returns {@code null} when none of them is bad (the error is
   * not the data's).
   */
  public UserError explain(Session session, Exception error) {
    long last;
    try (var r = session.runner().fetch(lastPosition).run()) {
      last = ((TInt64) r.get(0)).getLong();
    }
    long from = Math.max(last + 1, firstPosition);
    // Batches in flight beyond the last one consumed: the prefetch buffer, the batch map's calls,
    // the one being batched and one more; plus the per-image map's calls.
    long window = (long) (options.prefetchBatches() + options.parallelCalls() + 2)
        * options.batchSize() + options.parallelCalls();
    RecordIndex ri = source.index();
    try (ImageChecker checker = new ImageChecker()) {
      for (long position = from; position < from + window; position++) {
        int k = (int) (position - firstPosition);
        if (k >= epochImages.length) {
          break;
        }
        int i = epochImages[k];
        String problem;
        try {
          problem = checker.problem(source.readImage(i));
        } catch (IOException e) {
          problem = e.getMessage();
        }
        if (problem != null) {
          return new UserError("corrupt image " + ri.describe(i) + ": " + problem
              + "; replace or remove it, or pass --dataset/skip_corrupt=True to skip such records");
        }
      }
    }
    return null;
  }

  /** For tests: the global image indices this rank reads in the current epoch, in order. */
  int[] epochImages() {
    return epochImages.clone();
  }

  /**
   * A proto as the string attribute OptionsDataset takes. TF Java passes string attributes on as
   * UTF-8, which keeps bytes below 0x80 as they are; the options here serialise to such bytes only.
   */
  private static String serialized(com.google.protobuf.MessageLite proto) {
    byte[] bytes = proto.toByteArray();
    for (byte b : bytes) {
      if (b < 0) {
        throw new IllegalStateException("options proto has a byte >= 0x80; it cannot pass as a string attribute");
      }
    }
    return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
  }
}
