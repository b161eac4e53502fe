package org.scrl4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.checkpoint.CheckpointSchedule;
import org.scrl4j.checkpoint.CheckpointState;
import org.scrl4j.checkpoint.CheckpointStore;
import org.scrl4j.checkpoint.RunDirectory;
import org.scrl4j.common.Progress;
import org.scrl4j.common.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigPrinter;
import org.scrl4j.data.ImageSource;
import org.scrl4j.data.InputPipeline;
import org.scrl4j.dist.DistContext;
import org.scrl4j.eval.OnlineValidation;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.tensorflow.Session;

/**
 * Self-supervised pre-training, the experiment: on the graph built once ({@link PretrainingGraph}),
 * runs epochs of steps with online evaluation, TensorBoard scalars, atomic checkpoints and
 * automatic resume. Every replica runs this; only the chief writes.
 */
public final class Pretraining implements AutoCloseable {
  private static final Logger log = LogManager.getLogger(Pretraining.class);

  /** How pre-training ended: the online evaluator's best and last top-1 (NaN without labels). */
  public record Outcome(int epochs, long globalStep, double lastTop1, double bestTop1, int bestEpoch,
      Path lastCheckpoint) {}

  private final Config cfg;
  private final DistContext dist;
  private final Path saveDir;
  private final int batch;
  private final Optional<Checkpoint> resume;
  private final PretrainingGraph graph;
  private final InputPipeline input;
  private final Session session;
  private final long stepsPerEpoch;

  public Pretraining(Config cfg, DistContext dist, ImageSource train, ImageSource val, Path saveDir,
      Path loadDir) {
    this.dist = dist;
    this.saveDir = saveDir;
    // Before any graph (minutes for ResNet-50): a bad load_dir or an incompatible checkpoint fails
    // at once. Only rank 0 reads it; the others receive its values (save_dir need not be shared).
    Optional<Checkpoint> found = Optional.empty();
    int perProcess = cfg.train().batchSizeTrain();
    UserError refused = null;
    if (dist.isChief()) {
      try {
        found = CheckpointStore.resolveResume(saveDir, loadDir.equals(saveDir) ? null : loadDir,
            cfg.network().name(), cfg.network().width(), cfg.method(), train.size(), dist.world());
        if (found.isPresent()) {
          perProcess = ResumeBatch.perProcess(found.get().state(), found.get().dir(), perProcess,
              dist.world());
        }
      } catch (UserError e) {
        refused = e;
      }
    }
    // Every rank builds its graph with rank 0's batch (the checkpoint's global batch, shared out);
    // 0 says rank 0 cannot resume, so the others stop with it instead of waiting for it.
    long agreed = dist.chiefValues(refused == null ? perProcess : 0)[0];
    if (refused != null) {
      throw refused;
    }
    if (agreed <= 0) {
      throw new UserError("rank 0 cannot resume pre-training from its save_dir (its log says why);"
          + " rank " + dist.rank() + " stops with it");
    }
    this.batch = (int) agreed;
    this.cfg = ResumeBatch.withBatch(cfg, batch);
    this.resume = found;
    graph = new PretrainingGraph(this.cfg, dist, train, val);
    input = graph.input();
    session = graph.session();
    stepsPerEpoch = graph.stepsPerEpoch();
    resume.ifPresent(c -> warnOnOtherStepsPerEpoch(c.state(), c.dir()));
  }

  /**
   * Same global batch, yet another epoch length: a world size that does not divide the training
   * set pads the shards differently (EpochPlan), which can add or drop a step per epoch and so
   * stretch the schedule a little. Rare and small, but said.
   */
  private void warnOnOtherStepsPerEpoch(CheckpointState state, Path where) {
    if (state.worldSize() <= 0 || state.globalBatch() <= 0) {
      return;
    }
    long was = state.datasetSize() / (state.globalBatch() / state.worldSize());
    int cap = cfg.train().maxStepsPerEpoch();
    was = cap > 0 ? Math.min(cap, was) : was;
    if (was != stepsPerEpoch) {
      log.warn("{} had {} steps per epoch on {} process(es), this run has {} on {}: the learning-rate"
          + " and momentum schedules follow this run's count", where, was, state.worldSize(),
          stepsPerEpoch, dist.world());
    }
  }

  public Outcome run() throws IOException {
    int epochs = cfg.train().maxEpochs();
    // the schedules span max_epochs; stop_at_epoch only ends this run sooner, resumable exactly
    int lastEpoch = cfg.train().stopAtEpoch() > 0 ? cfg.train().stopAtEpoch() : epochs;
    CheckpointStore store = dist.isChief() ? CheckpointStore.create(saveDir) : null;
    graph.initialise(resume);
    ResumePosition at = resumePosition();
    int doneEpochs = at.epochsDone();
    long position = at.stepInEpoch((long) batch * dist.world());
    double best = at.bestScore();
    int bestEpoch = at.bestEpoch();
    double last = Double.NaN;
    Path lastCheckpoint = resume.map(Checkpoint::dir).orElse(null);
    if (doneEpochs >= lastEpoch) {
      if (lastEpoch < epochs) {
        log.info("pre-training is already at train/stop_at_epoch={} ({} of {} epochs done) in {}", lastEpoch,
            doneEpochs, epochs, lastCheckpoint != null ? lastCheckpoint : "rank 0's save_dir");
      } else {
        log.info("pre-training already finished ({} epochs) in {}", doneEpochs,
            lastCheckpoint != null ? lastCheckpoint : "rank 0's save_dir");
      }
      drawCurves(null, String.format("finished: %d epochs, global step %d", doneEpochs, at.globalStep()));
      return new Outcome(doneEpochs, at.globalStep(), Double.NaN, best, bestEpoch, lastCheckpoint);
    }
    OnlineValidation validation = graph.validation().orElse(null);
    CheckpointSchedule schedule = new CheckpointSchedule(cfg.train().snapshotInterval(), epochs,
        cfg.train().checkpointMinutes(), System::nanoTime);
    String configYaml = ConfigPrinter.toYaml(cfg);
    long globalStep = at.globalStep();
    try (TensorBoardWriter tb = dist.isChief() ? new TensorBoardWriter(saveDir) : null) {
      if (tb != null) {
        tb.restartAt(globalStep);
      }
      int epoch = doneEpochs + 1;
      try {
        for (; epoch <= lastEpoch; epoch++) {
          input.startEpoch(session, epoch, position);
          Progress progress = Progress.forEpoch(String.format("epoch %d/%d", epoch, epochs),
              stepsPerEpoch, (long) batch * dist.world(), (lastEpoch - epoch) * stepsPerEpoch);
          for (long i = position; i < stepsPerEpoch; i++) {
            PretrainingGraph.StepResult r = graph.runStep();
            globalStep = r.globalStep();
            NonFiniteLossError.check(r.loss(), globalStep, epoch, lastCheckpoint);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("loss", r.loss());
            fields.put("lr", r.lr());
            fields.put("m", r.m());
            if (!Double.isNaN(r.trainTop1())) {
              fields.put("acc", r.trainTop1() * 100);
            }
            progress.update(i + 1, fields);
            if (tb != null && globalStep % cfg.train().tbInterval() == 0) {
              Map<String, Number> scalars = new LinkedHashMap<>();
              scalars.put(ScalarTags.LOSS, r.loss());
              scalars.put(ScalarTags.REGRESSION_LOSS, r.regressionLoss());
              scalars.put(ScalarTags.LR, r.lr());
              scalars.put(ScalarTags.M, r.m());
              if (!Double.isNaN(r.trainTop1())) {
                scalars.put(ScalarTags.EVALUATOR_LOSS, r.evaluatorLoss());
                scalars.put(ScalarTags.ONLINE_TOP1_BATCH, r.trainTop1() * 100);
              }
              double imagesPerSecond = progress.imagesPerSecond(); // NaN at an epoch's first step
              if (!Double.isNaN(imagesPerSecond)) {
                scalars.put(ScalarTags.IMAGES_PER_SEC, imagesPerSecond);
              }
              tb.scalars(globalStep, scalars);
            }
            if (i + 1 < stepsPerEpoch && schedule.midEpochSaveDue()) {
              long seen = (i + 1) * batch * dist.world();
              lastCheckpoint = save(store, new CheckpointState(epoch - 1, globalStep, seen, best, bestEpoch,
                  cfg.network().name(), cfg.network().width(), cfg.method(), input.imagesPerEpoch(),
                  dist.world(), batch * dist.world(), cfg.seed(), configYaml,
                  CheckpointState.currentVersion()), false, false, lastCheckpoint);
              schedule.saved();
            }
          }
          position = 0;
          progress.close();
          input.endEpoch(session); // warns with the count of skipped corrupt records, if any
          boolean newBest = false;
          if (validation != null && (epoch % cfg.train().validInterval() == 0 || epoch == epochs)) {
            last = validation.top1(session);
            if (last > best) {
              best = last;
              bestEpoch = epoch;
              newBest = true;
            }
            log.info("epoch {}: online linear top-1 {} % (best {} % at epoch {})", epoch,
                String.format("%.2f", last), String.format("%.2f", best), bestEpoch);
            if (tb != null) {
              tb.scalar(ScalarTags.ONLINE_TOP1, globalStep, last);
            }
          }
          boolean snapshot = schedule.isSnapshot(epoch) || newBest;
          lastCheckpoint = save(store, new CheckpointState(epoch, globalStep, 0, best, bestEpoch,
              cfg.network().name(), cfg.network().width(), cfg.method(), input.imagesPerEpoch(),
              dist.world(), batch * dist.world(), cfg.seed(), configYaml, CheckpointState.currentVersion()),
              snapshot, newBest, lastCheckpoint);
          schedule.saved();
          drawCurves(tb, String.format("after epoch %d of %d, global step %d", epoch, epochs, globalStep));
        }
      } catch (RuntimeException | IOException e) {
        // the curves up to the failure (a diverging loss, a lost replica) help find its cause
        drawCurves(tb, String.format("stopped in epoch %d of %d after global step %d (%s)", epoch, epochs,
            globalStep, e.getClass().getSimpleName()));
        throw e;
      }
    }
    logFingerprint();
    if (lastEpoch < epochs) {
      log.info("pre-training stopped after epoch {} of {} (train/stop_at_epoch); the same command without"
          + " it resumes from {}", lastEpoch, epochs, lastCheckpoint);
    }
    return new Outcome(lastEpoch, globalStep, last, best, bestEpoch, lastCheckpoint);
  }

  /**
   * Where to resume: rank 0's checkpoint position on every rank, {@link ResumePosition#FRESH} for
   * a fresh start.
   */
  private ResumePosition resumePosition() {
    ResumePosition local = resume.map(c -> ResumePosition.of(c.state())).orElse(ResumePosition.FRESH);
    ResumePosition agreed = graph.agreeWithChief(local);
    if (!dist.isChief() && !agreed.isFresh()) {
      log.info("rank {}: resuming with rank 0 at epoch {}, global step {}", dist.rank(),
          agreed.epochsDone(), agreed.globalStep());
    }
    return agreed;
  }

  /**
   * Logs the SHA-256 of this rank's final variables: replicas must end bit-identical, and only
   * rank 0 writes checkpoints, so this line is how the other ranks' state can be compared.
   */
  private void logFingerprint() {
    log.info("rank {}: final variables sha256 {}", dist.rank(), Npz.sha256(graph.read()));
  }

  /** The trained online backbone (TF names, TF layouts), for linear evaluation and export. */
  public Map<String, NpyArray> weights() {
    return graph.read();
  }

  /**
   * Redraws {@code curves.png} (chief only) from the TensorBoard files of the run folder after
   * flushing the writer, so it holds every scalar so far, those before a resume included. A
   * picture that cannot be drawn is a warning, never the end of a training run.
   */
  private void drawCurves(TensorBoardWriter tb, String where) {
    if (!dist.isChief()) {
      return;
    }
    try {
      if (tb != null) {
        tb.flush();
      }
      String title = String.format("%s: %s %s width %d, %d px, global batch %d", saveDir.getFileName(),
          cfg.method().toUpperCase(java.util.Locale.ROOT), cfg.network().name(), cfg.network().width(),
          cfg.augment().inputSize(), (long) batch * dist.world());
      CurvesChart.write(saveDir, title, where + "  (TensorBoard scalars of this folder, every "
          + cfg.train().tbInterval() + " step(s); dotted lines: epoch ends)", stepsPerEpoch);
    } catch (IOException | RuntimeException e) {
      log.warn("could not draw {}: {}", saveDir.resolve(RunDirectory.CURVES_FILE), e.toString());
    }
  }

  private Path save(CheckpointStore store, CheckpointState state, boolean snapshot, boolean newBest,
      Path previous) throws IOException {
    // Every rank reads (cheap) so collectives stay in step; only the chief writes.
    Map<String, NpyArray> values = graph.read();
    // Every rank checks (the values agree across ranks), so all stop together.
    NonFiniteLossError.checkWeights(values, state.globalStep(),
        state.midEpoch() ? state.epoch() + 1 : state.epoch(), previous);
    if (store == null) {
      return previous;
    }
    return store.save(state, values, snapshot, newBest).dir();
  }

  @Override
  public void close() {
    graph.close();
  }
}
