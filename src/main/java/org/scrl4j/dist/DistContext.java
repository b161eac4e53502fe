package org.scrl4j.dist;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;
import org.scrl4j.model.BatchMoments;
import org.scrl4j.model.GraphRewrites;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.RemoteSession;
import org.tensorflow.Result;
import org.tensorflow.Server;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * This process's replica in a data-parallel job on TensorFlow's own distributed runtime: a gRPC
 * {@link Server} per process (job {@code worker}, task = rank), sessions on that server, graphs
 * placed on this task's device, and {@link Collectives} (CollectiveReduceV2) between the tasks.
 *
 * <p>Lifecycle: {@link #start} (rendezvous, server, peer monitor, first barrier) ... build graphs
 * with {@link #place}, {@link #collectives}, open sessions with {@link #newSession}, wrap runs in
 * {@link #run} ... {@link #finish} (final barrier) then {@link #close}. With one replica
 * ({@link #single}) there is no server: sessions are local and collectives are identities.
 *
 * <p>Failures: a peer whose process dies is noticed by the peer monitor within a few seconds; the
 * default reaction logs the lost ranks and halts the JVM with {@link ReplicaLostError#EXIT_CODE},
 * because a session run blocked in a collective cannot be cancelled from Java. A peer that is
 * alive but stuck makes the collective fail after {@link DistSettings#collectiveTimeout()}; {@link
 * #run} turns that into a {@link ReplicaLostError}.
 */
public final class DistContext implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(DistContext.class);
  static final String JOB = "worker";
  /** Instance keys below this are reserved for the context's own barrier. */
  private static final int FIRST_USER_INSTANCE_KEY = 100;
  private static final int BARRIER_INSTANCE_KEY = 1;
  /** Instance keys of {@link #chiefValues} (after the barrier's forward and backward keys). */
  private static final int CHIEF_VALUES_INSTANCE_KEY = 3;
  /** Longest vector {@link #chiefValues} carries (one fixed shape per instance key). */
  static final int CHIEF_VALUES_MAX = 8;

  private final DistSettings settings;
  private final List<String> addresses;
  private final Server server;
  private final PeerMonitor monitor;
  private final AtomicInteger instanceKeys = new AtomicInteger(FIRST_USER_INSTANCE_KEY);
  private Graph barrierGraph;
  private Session barrierSession;
  private Operand<TFloat32> barrierValue;
  private Graph chiefGraph;
  private Session chiefSession;
  private Placeholder<TFloat64> chiefIn;
  private Operand<TFloat64> chiefOut;

  private DistContext(DistSettings settings, List<String> addresses, Server server, PeerMonitor monitor) {
    this.settings = settings;
    this.addresses = addresses;
    this.server = server;
    this.monitor = monitor;
  }

  /** A world of one: no server, local sessions, identity collectives. */
  public static DistContext single() {
    return new DistContext(DistSettings.single(), List.of("local"), null, null);
  }

  /** Joins the job with the default reaction to a lost peer: log it and halt with exit code 3. */
  public static DistContext start(DistSettings settings) {
    return start(settings, DistContext::haltOnLoss);
  }

  /**
   * Joins the job: exchanges addresses with every rank (waiting up to the start-up timeout and
   * naming the ranks that never came), starts this rank's TensorFlow server, starts the peer
   * monitor and passes a first barrier through TensorFlow's collectives.
   *
   * @param onPeerLost called once, from the monitor thread, with a message naming the lost ranks
   */
  public static DistContext start(DistSettings settings, Consumer<ReplicaLostError> onPeerLost) {
    if (!settings.isDistributed()) {
      // Keep the user's device type (a one-GPU run still wants its GPU session options).
      return new DistContext(settings, List.of("local"), null, null);
    }
    int rank = settings.rank();
    int grpcPort = settings.serverPort(rank);
    if (!DistSettings.isFree(grpcPort)) {
      throw new UserError(
          "port " + grpcPort + " (TensorFlow server of rank " + rank + " = dist_url port + 1 + rank) is"
              + " already in use; choose another --dist_url port");
    }
    if (rank == 0 && settings.numMachines() > 1) {
      for (int m = 1; m < settings.numMachines(); m++) {
        String line = "start machine " + m + " with: " + settings.commandLineFor(m);
        LOG.info(line);
        System.out.println(line);
      }
    }
    // Load the native runtime before meeting the others, so every rank's server comes up promptly.
    TensorFlow.version();
    List<String> addresses = Rendezvous.exchange(settings);
    LOG.info("rank {}/{}: cluster {}", rank, settings.world(), addresses);
    Server server = new Server(serverDef(settings, addresses));
    server.start();
    DistContext[] self = new DistContext[1];
    PeerMonitor monitor = new PeerMonitor(addresses, rank, 1000, 3, settings.startTimeout().toMillis(),
        lost -> onPeerLost.accept(lostError(self[0], lost, "stopped answering")));
    DistContext ctx = new DistContext(settings, addresses, server, monitor);
    self[0] = ctx;
    monitor.start();
    ctx.barrier();
    return ctx;
  }

  public int rank() {
    return settings.rank();
  }

  public int world() {
    return settings.world();
  }

  public boolean isChief() {
    return rank() == 0;
  }

  public DistSettings settings() {
    return settings;
  }

  /** gRPC address of every rank, by rank. */
  public List<String> addresses() {
    return addresses;
  }

  /** Where this replica's ops go, e.g. {@code /job:worker/replica:0/task:3/device:GPU:0}. */
  public String device() {
    return server == null ? "" : deviceSpec().toString();
  }

  /** {@link #device()} as a spec for {@code Ops.withDevice}. */
  public DeviceSpec deviceSpec() {
    DeviceSpec.Builder b = DeviceSpec.newBuilder()
        .deviceType(settings.deviceType().equals("GPU") ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU)
        // A GPU process sees only its own GPU (visible_device_list), which it calls GPU:0.
        .deviceIndex(0);
    if (server != null) {
      b.job(JOB).replica(0).task(rank());
    }
    return b.build();
  }

  /** {@code tf} with every op it builds placed on this replica's device. */
  public Ops place(Ops tf) {
    return server == null ? tf : tf.withDevice(deviceSpec());
  }

  /** Collective helpers for a graph; all graphs of this context share the instance-key sequence. */
  public Collectives collectives(Ops tf) {
    return new Collectives(place(tf), world(), isChief(), instanceKeys,
        settings.collectiveTimeout().toSeconds(), Collectives.DEFAULT_BUCKET_BYTES);
  }

  /**
   * Cross-replica sum for synchronised batch norm: every BN layer's moment reductions become
   * differentiable all-reduces (identity with one replica).
   */
  public BatchMoments.CrossReplicaSum crossReplicaSum() {
    return (tf, local) -> collectives(tf).allReduceSum(local);
  }

  /**
   * The batch-moments hook for {@code ForwardContext}: global-batch statistics in every BN layer
   * when distributed, the plain local moments with one replica.
   */
  public BatchMoments syncBnMoments() {
    return syncBnMoments(true);
  }

  /** {@link #syncBnMoments()} with float64 or float32 accumulation of the local sums. */
  public BatchMoments syncBnMoments(boolean float64) {
    return server == null ? BatchMoments.local(float64)
        : BatchMoments.crossReplica(crossReplicaSum(), float64);
  }

  /**
   * The session options every session of this replica uses: {@link GraphRewrites#deterministic()},
   * the collective group leader and a device filter that keeps unplaced ops on this task.
   */
  public ConfigProto sessionConfig() {
    return sessionConfig(settings);
  }

  /**
   * A session on this rank's server (or a local one for a world of one). Initializers are not run
   * automatically: call {@code session.initialize()} (or run the init op), then the broadcast op.
   */
  public Session newSession(Graph graph) {
    return newSession(graph, ConfigProto.getDefaultInstance());
  }

  /** {@link #newSession(Graph)} with more options (e.g. thread counts) merged into the config. */
  public Session newSession(Graph graph, ConfigProto extra) {
    ConfigProto config = sessionConfig().toBuilder().mergeFrom(extra).build();
    if (server == null) {
      return new Session(graph, false, config);
    }
    return RemoteSession.open(graph, "grpc://localhost:" + settings.serverPort(rank()), config);
  }

  /**
   * Runs one session call; a TensorFlow failure caused by another replica becomes a {@link
   * ReplicaLostError} naming the lost ranks (the original error stays the cause).
   */
  public <T> T run(Supplier<T> call) {
    try {
      return call.get();
    } catch (TensorFlowException e) {
      throw explain(e);
    }
  }

  /** Explains a failed session call in terms of replicas when another replica is at fault. */
  public RuntimeException explain(TensorFlowException e) {
    if (server == null) {
      return e;
    }
    String msg = String.valueOf(e.getMessage());
    List<Integer> lost = PeerMonitor.unreachable(addresses, rank(), 2000);
    // A collective fails on a dead peer's closed socket a moment before that peer's process is
    // gone and its port refuses connections (seen under load: rank 0's error 0.5 s after rank 1
    // was killed, with rank 1 still reachable), so probe a little longer when the error says so.
    long deadline = System.nanoTime() + PEER_GONE_GRACE_MILLIS * 1_000_000L;
    while (lost.isEmpty() && looksLikeLostPeer(msg) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(250);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        break;
      }
      lost = PeerMonitor.unreachable(addresses, rank(), 1000);
    }
    if (!lost.isEmpty()) {
      ReplicaLostError err = lostError(this, lost, "cannot be reached");
      err.initCause(e);
      return err;
    }
    if (msg.contains("timed out") || msg.contains("DEADLINE_EXCEEDED") || msg.contains("Deadline")) {
      ReplicaLostError err = new ReplicaLostError(
          "rank " + rank() + ": a collective did not complete within "
              + settings.collectiveTimeout().toSeconds() + " s; every peer still accepts connections,"
              + " so some rank is stuck or much slower (" + firstLine(msg) + ")", List.of());
      err.initCause(e);
      return err;
    }
    return e;
  }

  /** How long {@link #explain} keeps probing the peers after a connection-level failure. */
  static final long PEER_GONE_GRACE_MILLIS = 5000;

  /** A TensorFlow error about a connection to another task (gRPC UNAVAILABLE and its kin). */
  static boolean looksLikeLostPeer(String msg) {
    return msg.contains("UNAVAILABLE") || msg.contains("Socket closed") || msg.contains("Connection reset")
        || msg.contains("Connection refused") || msg.contains("failed to connect");
  }

  /** Blocks until every rank reaches its barrier; fails (naming lost ranks) when one never does. */
  public void barrier() {
    if (server == null) {
      return;
    }
    synchronized (this) {
      if (barrierSession == null) {
        barrierGraph = new Graph();
        Ops tf = place(Ops.create(barrierGraph));
        barrierValue = new Collectives(tf, world(), isChief(), new AtomicInteger(BARRIER_INSTANCE_KEY),
            settings.collectiveTimeout().toSeconds(), Collectives.DEFAULT_BUCKET_BYTES)
            .allReduceSum(tf.constant(1f));
        barrierSession = newSession(barrierGraph);
      }
      float arrived = run(() -> {
        try (Result r = barrierSession.runner().fetch(barrierValue).run()) {
          return ((TFloat32) r.get(0)).getFloat();
        }
      });
      if (arrived != world()) {
        throw new IllegalStateException("barrier counted " + arrived + " ranks instead of " + world());
      }
    }
  }

  /**
   * Rank 0's {@code values} on every rank (what the others pass is ignored): for the few numbers
   * rank 0 decides before the other ranks can build their graphs, e.g. the batch a checkpoint
   * only rank 0 reads implies. Every rank must call it at the same point, with as many values
   * (at most {@value #CHIEF_VALUES_MAX}); exact for integers below 2^53. A world of one returns
   * {@code values}.
   */
  public long[] chiefValues(long... values) {
    if (values.length > CHIEF_VALUES_MAX) {
      throw new IllegalArgumentException("at most " + CHIEF_VALUES_MAX + " values, got " + values.length);
    }
    if (server == null) {
      return values.clone();
    }
    synchronized (this) {
      if (chiefSession == null) {
        chiefGraph = new Graph();
        Ops tf = place(Ops.create(chiefGraph));
        chiefIn = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(CHIEF_VALUES_MAX)));
        // Rank 0 sends its values, the others zeros: the sum is rank 0's vector, exactly.
        chiefOut = new Collectives(tf, world(), isChief(), new AtomicInteger(CHIEF_VALUES_INSTANCE_KEY),
            settings.collectiveTimeout().toSeconds(), Collectives.DEFAULT_BUCKET_BYTES)
            .allReduceSum(chiefIn);
        chiefSession = newSession(chiefGraph);
      }
      double[] mine = new double[CHIEF_VALUES_MAX];
      for (int i = 0; i < values.length && isChief(); i++) {
        mine[i] = values[i];
      }
      long[] out = new long[values.length];
      try (TFloat64 in = TFloat64.vectorOf(mine);
          Result r = run(() -> chiefSession.runner().feed(chiefIn, in).fetch(chiefOut).run())) {
        TFloat64 sum = (TFloat64) r.get(0);
        for (int i = 0; i < out.length; i++) {
          out[i] = (long) sum.getDouble(i);
        }
      }
      return out;
    }
  }

  /** Final barrier so no rank leaves while others still need it, then stops watching peers. */
  public void finish() {
    barrier();
    stopMonitor();
  }

  @Override
  public synchronized void close() {
    stopMonitor();
    if (barrierSession != null) {
      barrierSession.close();
      barrierGraph.close();
      barrierSession = null;
    }
    if (chiefSession != null) {
      chiefSession.close();
      chiefGraph.close();
      chiefSession = null;
    }
    // TF's Server.stop/close are unimplemented for gRPC servers: the server lives until the JVM ends.
  }

  private void stopMonitor() {
    if (monitor != null) {
      monitor.close();
    }
  }

  static ConfigProto sessionConfig(DistSettings s) {
    ConfigProto.Builder b = (s.deviceType().equals("CPU") ? GraphRewrites.cpu() : GraphRewrites.deterministic()).toBuilder();
    if (s.isDistributed()) {
      b.setExperimental(ConfigProto.Experimental.newBuilder()
              .setCollectiveGroupLeader("/job:" + JOB + "/replica:0/task:0"))
          .addDeviceFilters("/job:" + JOB + "/task:" + s.rank());
    }
    if (s.deviceType().equals("GPU")) {
      // One process per GPU: each sees only its own, so no process reserves another's memory.
      b.setGpuOptions(GPUOptions.newBuilder().setVisibleDeviceList(Integer.toString(s.localIndex())));
    }
    return b.build();
  }

  static ServerDef serverDef(DistSettings s, List<String> addresses) {
    JobDef.Builder job = JobDef.newBuilder().setName(JOB);
    for (int r = 0; r < addresses.size(); r++) {
      job.putTasks(r, addresses.get(r));
    }
    return ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName(JOB)
        .setTaskIndex(s.rank())
        .setProtocol("grpc")
        .setDefaultSessionConfig(sessionConfig(s))
        .build();
  }

  private static ReplicaLostError lostError(DistContext ctx, List<Integer> lost, String how) {
    String who = lost.stream()
        .map(r -> "rank " + r + " (" + ctx.addresses.get(r) + ")")
        .collect(Collectors.joining(", "));
    return new ReplicaLostError(
        "rank " + ctx.rank() + " lost " + who + ": its TensorFlow server " + how
            + "; stopping this replica (restart the job; it resumes from checkpoint_last)", lost);
  }

  private static void haltOnLoss(ReplicaLostError e) {
    LOG.error(e.getMessage());
    System.err.println("scrl: " + e.getMessage());
    System.err.flush();
    System.out.flush();
    // A session run blocked inside a collective cannot be interrupted; halting is the only bounded exit.
    Runtime.getRuntime().halt(ReplicaLostError.EXIT_CODE);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
