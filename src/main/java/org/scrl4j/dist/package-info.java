/**
 * Data-parallel training on TensorFlow's own distributed runtime (MultiWorkerMirrored style).
 *
 * <p>Every replica is one process with a TensorFlow gRPC server (job {@code worker}, task = rank)
 * and runs its own copy of the training graph, placed on its task's device. Gradients, batch-norm
 * moments, evaluation counts and the initial weights cross replicas through {@code
 * CollectiveReduceV2} ops inside those graphs; nothing else carries tensors.
 *
 * <p>Start-up: rank 0 listens on the {@code --dist_url} port; every rank reports its gRPC port there
 * (port + 1 + rank) and receives the full address table, so only rank 0's address must be known.
 * While waiting, each rank says every few seconds what it waits for; missing ranks are named after
 * the start-up timeout (--dist_timeout_seconds).
 *
 * <p>Use in a training step:
 *
 * <pre>{@code
 * DistContext dist = DistContext.start(DistSettings.parse(machines, machineRank, devices,
 *     LocalReplicas.localIndex(), distUrl, "CPU"));      // DistContext.single() for one process
 * LocalReplicas.spawnSiblings(dist.settings(), argv);     // when --num_devices > 1
 * Ops tf = dist.place(Ops.create(graph));
 * Collectives coll = dist.collectives(tf);
 * // BN moments over the global batch, gradients averaged before the optimizer, the loss
 * // normalised by the job's pair count:
 * new PretrainStep.Settings(..., dist.syncBnMoments(), coll.gradientMean(), dist.crossReplicaSum());
 * Op broadcast = coll.assignFromChief(allVariables);     // same start on every rank
 * Session s = dist.newSession(graph);  s.initialize();  run broadcast once;
 * each step: dist.run(() -> s.runner()...run());         // failures name the lost rank
 * dist.finish(); dist.close();
 * }</pre>
 *
 * <p>Resume: only rank 0 reads {@code checkpoint_last}; the trainer broadcasts its weights, momenta,
 * global step and data position (Pretraining), so the other ranks need not see {@code save_dir}.
 *
 * <p>Every rank must build the same graphs in the same order (collective instance keys come from
 * one counter per {@link org.scrl4j.dist.DistContext}).
 */
package org.scrl4j.dist;
