package org.scrl4j.dist;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import org.scrl4j.common.UserError;

/**
 * Where this process sits in a data-parallel job, as given on the command line
 * ({@code --num_machines N --machine_rank M --num_devices D --dist_url tcp://host:port}).
 *
 * <p>World = N x D replicas; the replica on local device {@code i} of machine {@code M} has rank
 * {@code M x D + i}. One process drives one replica (one device), like the original's one process per
 * GPU.
 *
 * <p>Ports. {@code host:port} is the address of rank 0's rendezvous listener (it only exchanges
 * addresses at start-up). The TensorFlow gRPC server of rank {@code r} listens on {@code port + 1 +
 * r} on its own machine, so a firewall needs ports {@code port .. port + world} open, and several
 * processes on one machine never collide.
 *
 * @param numMachines machines taking part (N >= 1)
 * @param machineRank this machine's index, 0 .. N-1
 * @param numDevices replicas (processes) per machine (D >= 1)
 * @param localIndex this process's device index on its machine, 0 .. D-1
 * @param host rank 0's host name or address
 * @param port rank 0's rendezvous port; gRPC ports follow it
 * @param deviceType "CPU" or "GPU": the device each replica's ops are placed on
 * @param startTimeout how long start-up waits for every rank to join
 * @param collectiveTimeout how long one collective may take before the step fails; also how long a
 *     silent peer is tolerated
 */
public record DistSettings(
    int numMachines,
    int machineRank,
    int numDevices,
    int localIndex,
    String host,
    int port,
    String deviceType,
    Duration startTimeout,
    Duration collectiveTimeout) {

  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration DEFAULT_COLLECTIVE_TIMEOUT = Duration.ofMinutes(10);

  public DistSettings {
    if (numMachines < 1) {
      throw new UserError("--num_machines " + numMachines + " must be at least 1");
    }
    if (machineRank < 0 || machineRank >= numMachines) {
      throw new UserError(
          "--machine_rank " + machineRank + " is out of range: with --num_machines " + numMachines
              + " it must be 0.." + (numMachines - 1));
    }
    if (numDevices < 1) {
      throw new UserError("--num_devices " + numDevices + " must be at least 1");
    }
    if (localIndex < 0 || localIndex >= numDevices) {
      throw new UserError(
          "local device index " + localIndex + " is out of range: with --num_devices " + numDevices
              + " it must be 0.." + (numDevices - 1));
    }
    if (host == null || host.isBlank()) {
      throw new UserError("--dist_url needs a host, e.g. tcp://10.0.0.1:23456");
    }
    int world = numMachines * numDevices;
    if (port < 1 || port + world > 65535) {
      throw new UserError(
          "--dist_url port " + port + " is out of range: ports " + port + ".." + (port + world)
              + " are used (rendezvous + one per rank) and must be at most 65535");
    }
    if (!deviceType.equals("CPU") && !deviceType.equals("GPU")) {
      throw new UserError("device type '" + deviceType + "' must be CPU or GPU");
    }
    if (startTimeout.isNegative() || startTimeout.isZero()) {
      throw new UserError("start-up timeout must be positive, got " + startTimeout);
    }
    if (collectiveTimeout.isNegative() || collectiveTimeout.isZero()) {
      throw new UserError("collective timeout must be positive, got " + collectiveTimeout);
    }
  }

  /** One process, no peers: collectives are identities and no server is started. */
  public static DistSettings single() {
    return new DistSettings(
        1, 0, 1, 0, "127.0.0.1", 1, "CPU", DEFAULT_START_TIMEOUT, DEFAULT_COLLECTIVE_TIMEOUT);
  }

  /**
   * Parses the command-line values. {@code distUrl} is {@code tcp://host:port}, or {@code auto} on
   * machine 0 (a local address and a free port are picked; print {@link #commandLineFor} for the
   * other machines).
   */
  public static DistSettings parse(
      int numMachines, int machineRank, int numDevices, int localIndex, String distUrl,
      String deviceType) {
    if (distUrl == null || distUrl.isBlank()) {
      throw new UserError("--dist_url is empty: give tcp://host:port (or auto on machine 0)");
    }
    if (distUrl.equals("auto")) {
      if (machineRank != 0) {
        throw new UserError(
            "--dist_url auto works only on machine 0; machine " + machineRank
                + " needs the tcp://host:port that machine 0 printed");
      }
      int world = Math.max(numMachines, 1) * Math.max(numDevices, 1);
      return new DistSettings(
          numMachines, machineRank, numDevices, localIndex, localAddress(), freePortRun(world + 1),
          deviceType, DEFAULT_START_TIMEOUT, DEFAULT_COLLECTIVE_TIMEOUT);
    }
    URI uri;
    try {
      uri = new URI(distUrl);
    } catch (URISyntaxException e) {
      throw new UserError("--dist_url '" + distUrl + "' is not a URL; expected tcp://host:port");
    }
    if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0
        || (uri.getPath() != null && !uri.getPath().isEmpty())) {
      throw new UserError("--dist_url '" + distUrl + "' must look like tcp://host:port (or auto)");
    }
    return new DistSettings(
        numMachines, machineRank, numDevices, localIndex, uri.getHost(), uri.getPort(), deviceType,
        DEFAULT_START_TIMEOUT, DEFAULT_COLLECTIVE_TIMEOUT);
  }

  public DistSettings withTimeouts(Duration start, Duration collective) {
    return new DistSettings(
        numMachines, machineRank, numDevices, localIndex, host, port, deviceType, start, collective);
  }

  public int world() {
    return numMachines * numDevices;
  }

  public int rank() {
    return machineRank * numDevices + localIndex;
  }

  public boolean isDistributed() {
    return world() > 1;
  }

  /** The port of rank {@code r}'s TensorFlow gRPC server (on rank r's machine). */
  public int serverPort(int r) {
    return port + 1 + r;
  }

  public String distUrl() {
    return "tcp://" + host + ":" + port;
  }

  /** The distributed flags another machine must be started with to join this job. */
  public String commandLineFor(int otherMachineRank) {
    return "--num_machines " + numMachines + " --machine_rank " + otherMachineRank
        + " --num_devices " + numDevices + " --dist_url " + distUrl();
  }

  /** A non-loopback IPv4 address of this machine when there is one (other machines need it). */
  static String localAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // No interface list: fall back to loopback, which still serves a one-machine job.
    }
    return "127.0.0.1";
  }

  /** The first of {@code count} consecutive ports that are all free right now. */
  static int freePortRun(int count) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int first;
      try (ServerSocket s = new ServerSocket(0)) {
        first = s.getLocalPort();
      } catch (IOException e) {
        throw new UserError("cannot open any local port for --dist_url auto: " + e.getMessage());
      }
      if (first + count <= 65535 && allFree(first, count)) {
        return first;
      }
    }
    throw new UserError(
        "could not find " + count + " consecutive free ports for --dist_url auto; give one explicitly");
  }

  static boolean allFree(int first, int count) {
    for (int p = first; p < first + count; p++) {
      if (!isFree(p)) {
        return false;
      }
    }
    return true;
  }

  static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      // As gRPC binds: a port whose old connections linger in TIME_WAIT is usable, a listener is not.
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
