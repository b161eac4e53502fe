package org.scrl4j.train;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.scrl4j.common.UserError;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Scalar curves for TensorBoard (losses, lr, m, online accuracy, images/s), written by TensorFlow's
 * own summary kernels into {@code events.out.tfevents.*} files of a directory.
 *
 * <p>It owns a tiny graph built once: one write op fed by three placeholders (tag, step, value),
 * so any number of calls never grows a graph, and the training graph stays free of side effects.
 * Only one process of a run (rank 0) should write. Not thread-safe.
 */
public final class TensorBoardWriter implements AutoCloseable {
  /** Events reach the file at least this often even without {@link #flush()}. */
  private static final int FLUSH_MILLIS = 10_000;
  private static final int MAX_QUEUE = 100;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> tag;
  private final Placeholder<TInt64> step;
  private final Placeholder<TFloat32> value;
  private final Op write;
  private final Placeholder<TString> rawEvent;
  private final Op importEvent;
  private final Op flush;
  private final Op closeWriter;
  private boolean closed;

  /**
   * Starts a new event file in {@code logDir} (created when missing).
   *
   * @throws UserError when TensorFlow cannot create the file there
   */
  public TensorBoardWriter(Path logDir) {
    Ops tf = Ops.create(graph);
    SummaryWriter writer = tf.summary.summaryWriter(
        SummaryWriter.sharedName("scrl4j_tensorboard_" + INSTANCES.incrementAndGet()));
    Op create = tf.summary.createSummaryFileWriter(writer, tf.constant(logDir.toAbsolutePath().toString()),
        tf.constant(MAX_QUEUE), tf.constant(FLUSH_MILLIS), tf.constant(".v2"));
    tag = tf.placeholder(TString.class);
    step = tf.placeholder(TInt64.class);
    value = tf.placeholder(TFloat32.class);
    write = tf.summary.writeScalarSummary(writer, step, tag, value);
    flush = tf.summary.flushSummaryWriter(writer);
    closeWriter = tf.summary.closeSummaryWriter(writer);
    rawEvent = tf.placeholder(TString.class);
    importEvent = tf.summary.importEvent(writer, rawEvent);
    session = new Session(graph);
    try {
      session.runner().addTarget(create).run().close();
    } catch (TensorFlowException e) {
      session.close();
      graph.close();
      throw new UserError("cannot write TensorBoard events to " + logDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Marks a resumed run: TensorBoard drops the points of earlier event files after
   * {@code globalStep} (work the crashed run did after its last checkpoint), so the curves do not
   * fold back on themselves. Call once, right after opening, with the checkpoint's global step.
   *
   * <p>The marker carries {@code globalStep + 1}: TensorBoard (and {@link TensorBoardScalars})
   * drop the points at or after a marker's step, and the points at the checkpoint's own step
   * (the last steps' scalars, the epoch's validation top-1) are history the resumed run keeps.
   */
  public void restartAt(long globalStep) {
    Event event = Event.newBuilder()
        .setWallTime(System.currentTimeMillis() / 1000.0)
        .setStep(globalStep + 1)
        .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START))
        .build();
    try (TString e = TString.tensorOfBytes(NdArrays.scalarOfObject(event.toByteArray()));
        Result r = session.runner().feed(rawEvent, e).addTarget(importEvent).run()) {
      // no outputs
    }
  }

  /** Records {@code value} of curve {@code tag} at {@code step} (the global optimizer step). */
  public void scalar(String tagName, long stepNumber, double scalar) {
    try (TString t = TString.scalarOf(tagName);
        TInt64 s = TInt64.scalarOf(stepNumber);
        TFloat32 v = TFloat32.scalarOf((float) scalar);
        Result r = session.runner().feed(tag, t).feed(step, s).feed(value, v).addTarget(write).run()) {
      // the op has no outputs; the Result only needs closing
    }
  }

  /** Records several curves at one step, e.g. {"loss/total": 0.31, "lr": 0.9, "m": 0.97}. */
  public void scalars(long stepNumber, Map<String, ? extends Number> values) {
    values.forEach((k, v) -> scalar(k, stepNumber, v.doubleValue()));
  }

  /** Pushes queued events to disk (end of an epoch, before a checkpoint). */
  public void flush() {
    session.runner().addTarget(flush).run().close();
  }

  /** Operations in the private graph (constant after construction; tests check it). */
  int graphOperationCount() {
    int n = 0;
    for (var it = graph.operations(); it.hasNext(); it.next()) {
      n++;
    }
    return n;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.runner().addTarget(closeWriter).run().close();
    } finally {
      session.close();
      graph.close();
    }
  }
}
