/**
 * Run folders and checkpoints: the numbered run directory, atomic checkpoint writes, resume
 * resolution, the save schedule and the variables a checkpoint holds. How the training loop
 * ({@code train.Pretraining}) uses them, rank 0 only for everything that writes:
 *
 * <pre>{@code
 * // start, before building anything expensive
 * RunDirectory run = saveDirFlag != null ? RunDirectory.open(saveDirFlag)
 *                                        : RunDirectory.createNumbered(RunDirectory.DEFAULT_ROOT, configName);
 * RunLogFile logFile = RunLogFile.attachToRun(run.path(), rank);          // close at exit
 * run.writeConfig(resolvedYaml);
 * CheckpointStore store = CheckpointStore.create(run.path());             // UserError if unwritable
 * Optional<Checkpoint> resume = CheckpointStore.resolveResume(run.path(), loadDirFlag, arch, width,
 *     method, trainingSetSize, world);
 * // after the graph is built
 * CheckpointVariables vars = new CheckpointVariables(tf, allVariablesByName);
 * // init variables; then, when resuming:
 * resume.ifPresent(c -> vars.restore(session, c.readWeights()));         // state: c.state()
 * TensorBoardWriter tb = new TensorBoardWriter(run.path());               // rank 0
 * resume.ifPresent(c -> tb.restartAt(c.state().globalStep()));
 * CheckpointSchedule schedule = new CheckpointSchedule(snapshotInterval, maxEpochs, minutes, System::nanoTime);
 * for each epoch e (1-based) from state.epoch() + 1:
 *   Progress p = Progress.forEpoch("[train] ep " + e + "/" + E, S, globalBatch, (E - e) * S);
 *   for each step i:
 *     run the step, fetch loss, lr, m
 *     NonFiniteLossError.check(loss, globalStep, e, lastSavedDirOrNull);    // before any save
 *     p.update(i, fields);  tb.scalars(globalStep, curves);
 *     if (i < S && schedule.midEpochSaveDue()) { store.save(stateWithDataPosition, vars.read(session),
 *         false, false); schedule.saved(); }
 *   p.close();  evaluate online accuracy, update best
 *   store.save(state, vars.read(session), schedule.isSnapshot(e), improvedBest); schedule.saved();
 *   tb.scalar("eval/online_top1", globalStep, acc); tb.flush();
 * run.appendResult("[Final result (pre-training)] ..."); tb.close(); logFile.close();
 * }</pre>
 */
package org.scrl4j.checkpoint;

