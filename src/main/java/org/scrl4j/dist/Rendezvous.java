package org.scrl4j.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;

/**
 * Start-up address exchange: TensorFlow's cluster definition must list every task's host:port, but
 * the command line only names rank 0 ({@code --dist_url}). Every rank connects to rank 0's listener
 * and tells its rank and gRPC port; rank 0 notes the address the connection came from and, once all
 * ranks have joined, sends the whole table back. Only addresses travel here; tensors go through
 * TensorFlow's collectives.
 *
 * <p>Never a silent wait: while rank 0 waits for peers, and while another rank waits for rank 0 or
 * for the table, each says every {@link #REPORT_MILLIS} what it waits for (address, missing ranks,
 * seconds left), and all give up after {@link DistSettings#startTimeout()} with a one-line {@link
 * UserError} (exit 2) naming the address and the likely causes. A host name that does not resolve
 * fails at once: waiting cannot fix a typo.
 *
 * <p>Wire format (UTF-8 lines): client {@code JOIN <world> <rank> <grpcPort>}; server, any number
 * of {@code WAIT <secondsLeft> <missing ranks, comma-separated>} while others are missing, then
 * {@code CLUSTER <world>} followed by {@code world} lines {@code <rank> <host:port>}, or
 * {@code ERROR <message>}.
 */
final class Rendezvous {
  private static final Logger LOG = LogManager.getLogger(Rendezvous.class);
  private static final long RETRY_MILLIS = 300;
  /** How often a waiting rank says what it waits for. */
  static final long REPORT_MILLIS = 5000;
  /**
   * A joined rank waits this much longer than its own timeout for rank 0's answer: rank 0 started
   * its clock earlier or later, and its ERROR line names the missing ranks, which is better to
   * show than this rank's own timeout.
   */
  private static final long ANSWER_GRACE_MILLIS = 5000;

  private Rendezvous() {}

  /** Returns the gRPC address ({@code host:port}) of every rank, indexed by rank. */
  static List<String> exchange(DistSettings s) {
    return exchange(s, LOG::info, REPORT_MILLIS);
  }

  /**
   * {@link #exchange(DistSettings)} with the progress lines going to {@code report} every {@code
   * reportMillis} (tests collect them).
   */
  static List<String> exchange(DistSettings s, Consumer<String> report, long reportMillis) {
    InetAddress rankZero = resolve(s);
    return s.rank() == 0 ? lead(s, report, reportMillis) : join(s, rankZero, report, reportMillis);
  }

  /** Rank 0's address, or a UserError at once when the name does not resolve. */
  private static InetAddress resolve(DistSettings s) {
    try {
      return InetAddress.getByName(s.host());
    } catch (UnknownHostException e) {
      throw new UserError("--dist_url " + s.distUrl() + ": host name '" + s.host() + "' does not"
          + " resolve on rank " + s.rank() + "; check its spelling or give machine 0's IP address"
          + " (machine 0 prints it with --dist_url auto)");
    }
  }

  private static List<String> lead(DistSettings s, Consumer<String> report, long reportMillis) {
    int world = s.world();
    String[] table = new String[world];
    table[0] = hostPort(s.host(), s.serverPort(0));
    List<Socket> peers = new ArrayList<>();
    long deadline = System.nanoTime() + s.startTimeout().toNanos();
    long nextReport = System.nanoTime() + reportMillis * 1_000_000;
    try (ServerSocket listener = new ServerSocket()) {
      listener.setReuseAddress(true);
      try {
        listener.bind(new InetSocketAddress(s.port()));
      } catch (BindException e) {
        throw new UserError(
            "--dist_url port " + s.port() + " is already in use on this machine; choose another"
                + " port (ports " + s.port() + ".." + (s.port() + world) + " must be free)");
      }
      report.accept("rank 0 at " + hostPort(s.host(), s.port()) + " waiting for rank(s) "
          + missingRanks(table) + " (" + secondsLeft(deadline) + " s left)");
      while (peers.size() < world - 1) {
        long now = System.nanoTime();
        if (now >= deadline) {
          String missing = missingRanks(table);
          sendAll(peers, "ERROR rank 0 gave up waiting for rank(s) " + missing);
          throw new UserError(
              "start-up timed out after " + s.startTimeout().toSeconds() + " s: rank(s) " + missing
                  + " never joined rank 0 at " + hostPort(s.host(), s.port()) + " (were those"
                  + " machines started with --dist_url " + s.distUrl() + " and the same --num_machines,"
                  + " and does a firewall let port " + s.port() + " through?)");
        }
        if (now >= nextReport) {
          String missing = missingRanks(table);
          long left = secondsLeft(deadline);
          report.accept("rank 0 at " + hostPort(s.host(), s.port()) + " still waiting for rank(s) "
              + missing + " (" + left + " s left)");
          sendAll(peers, "WAIT " + left + " " + missing);
          nextReport = now + reportMillis * 1_000_000;
        }
        long waitMillis = Math.max(1, (Math.min(deadline, nextReport) - now) / 1_000_000);
        listener.setSoTimeout((int) Math.min(waitMillis, Integer.MAX_VALUE));
        Socket peer;
        try {
          peer = listener.accept();
        } catch (SocketTimeoutException e) {
          continue;
        }
        String problem = admit(peer, world, table);
        if (problem != null) {
          send(peer, "ERROR " + problem);
          peer.close();
          LOG.warn("rejected a join: {}", problem);
        } else {
          peers.add(peer);
        }
      }
      StringBuilder reply = new StringBuilder("CLUSTER " + world);
      for (int r = 0; r < world; r++) {
        reply.append('\n').append(r).append(' ').append(table[r]);
      }
      sendAll(peers, reply.toString());
    } catch (IOException e) {
      throw new UserError("rendezvous on port " + s.port() + " failed: " + e.getMessage());
    } finally {
      for (Socket p : peers) {
        try {
          p.close();
        } catch (IOException ignored) {
          // Closing after the reply was sent; nothing left to report.
        }
      }
    }
    return List.of(table);
  }

  /** Reads one JOIN line; returns null when accepted (table updated), else the reason to reject. */
  private static String admit(Socket peer, int world, String[] table) throws IOException {
    peer.setSoTimeout(10_000);
    String line;
    try {
      line = reader(peer).readLine();
    } catch (SocketTimeoutException e) {
      return "no JOIN line within 10 s";
    }
    String[] f = line == null ? new String[0] : line.trim().split(" ");
    if (f.length != 4 || !f[0].equals("JOIN")) {
      return "not a scrl4j rendezvous message: " + line;
    }
    int peerWorld = Integer.parseInt(f[1]);
    int rank = Integer.parseInt(f[2]);
    int grpcPort = Integer.parseInt(f[3]);
    if (peerWorld != world) {
      return "rank " + rank + " was started for a world of " + peerWorld + " replicas but rank 0 has "
          + world + "; use the same --num_machines and --num_devices everywhere";
    }
    if (rank <= 0 || rank >= world) {
      return "rank " + rank + " is out of range 1.." + (world - 1);
    }
    if (table[rank] != null) {
      return "rank " + rank + " joined twice (check --machine_rank on each machine)";
    }
    table[rank] = hostPort(peer.getInetAddress(), grpcPort);
    LOG.info("rank {} joined from {}", rank, table[rank]);
    return null;
  }

  private static List<String> join(DistSettings s, InetAddress rankZero, Consumer<String> report,
      long reportMillis) {
    long deadline = System.nanoTime() + s.startTimeout().toNanos();
    String where = hostPort(s.host(), s.port());
    long nextReport = System.nanoTime();
    String lastProblem = "no attempt yet";
    while (true) {
      Socket socket = new Socket();
      try {
        long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        // A firewall that drops packets makes connect block: bound it so progress keeps coming.
        socket.connect(new InetSocketAddress(rankZero, s.port()),
            (int) Math.min(leftMillis, Math.max(reportMillis, 1000)));
      } catch (IOException e) {
        close(socket);
        lastProblem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        long now = System.nanoTime();
        if (now + RETRY_MILLIS * 1_000_000 > deadline) {
          throw new UserError("rank " + s.rank() + " could not reach rank 0 at " + where + " within "
              + s.startTimeout().toSeconds() + " s (" + lastProblem + "): check the address and port"
              + " in --dist_url (machine 0 prints them), that no firewall blocks port " + s.port()
              + ", and that machine 0 was started");
        }
        if (now >= nextReport) {
          report.accept("rank " + s.rank() + " waiting for rank 0 at " + where + " (" + lastProblem
              + "; " + secondsLeft(deadline) + " s left)");
          nextReport = now + reportMillis * 1_000_000;
        }
        sleep(RETRY_MILLIS);
        continue;
      }
      try (socket) {
        return awaitTable(s, socket, where, deadline, report, reportMillis);
      } catch (IOException e) {
        throw new UserError("rank " + s.rank() + " joined rank 0 at " + where + " but lost the"
            + " connection before the cluster table came (" + e.getMessage() + "); did rank 0 stop?");
      }
    }
  }

  /** Sends JOIN and reads rank 0's answer, reporting its WAIT lines. */
  private static List<String> awaitTable(DistSettings s, Socket socket, String where, long deadline,
      Consumer<String> report, long reportMillis) throws IOException {
    send(socket, "JOIN " + s.world() + " " + s.rank() + " " + s.serverPort(s.rank()));
    report.accept("rank " + s.rank() + " joined rank 0 at " + where + "; waiting for the other ranks ("
        + secondsLeft(deadline) + " s left)");
    // Rank 0 sends WAIT lines every few seconds; silence longer than that plus the grace means a
    // rank 0 that hangs, which this rank's own deadline then reports.
    socket.setSoTimeout((int) Math.max(1000, reportMillis + ANSWER_GRACE_MILLIS));
    BufferedReader in = reader(socket);
    while (true) {
      String head;
      try {
        head = in.readLine();
      } catch (SocketTimeoutException e) {
        if (System.nanoTime() > deadline + ANSWER_GRACE_MILLIS * 1_000_000) {
          throw new UserError("rank " + s.rank() + " joined rank 0 at " + where + " but the other"
              + " ranks did not all join within " + s.startTimeout().toSeconds() + " s");
        }
        continue;
      }
      if (head == null) {
        throw new UserError("rank 0 at " + where + " closed the rendezvous without an answer");
      }
      if (head.startsWith("ERROR ")) {
        throw new UserError("rank 0 at " + where + " refused rank " + s.rank() + ": " + head.substring(6));
      }
      if (head.startsWith("WAIT ")) {
        String[] f = head.split(" ");
        report.accept("rank " + s.rank() + " joined; rank 0 at " + where + " is still waiting for rank(s) "
            + (f.length > 2 ? f[2] : "?") + " (" + f[1] + " s left)");
        continue;
      }
      int world = Integer.parseInt(head.split(" ")[1]);
      String[] table = new String[world];
      for (int i = 0; i < world; i++) {
        String[] f = in.readLine().split(" ");
        table[Integer.parseInt(f[0])] = f[1];
      }
      return List.of(table);
    }
  }

  private static long secondsLeft(long deadline) {
    return Math.max(0, (deadline - System.nanoTime() + 999_999_999L) / 1_000_000_000L);
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // An unconnected socket: nothing to release that matters.
    }
  }

  private static String missingRanks(String[] table) {
    TreeSet<Integer> missing = new TreeSet<>();
    for (int r = 0; r < table.length; r++) {
      if (table[r] == null) {
        missing.add(r);
      }
    }
    return missing.toString().replaceAll("[\\[\\]]", "");
  }

  static String hostPort(String host, int port) {
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  private static String hostPort(InetAddress a, int port) {
    String h = a.getHostAddress();
    if (a instanceof Inet6Address && h.contains("%")) {
      h = h.substring(0, h.indexOf('%'));
    }
    return hostPort(h, port);
  }

  private static BufferedReader reader(Socket s) throws IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
  }

  private static void send(Socket s, String text) throws IOException {
    Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
    PrintWriter out = new PrintWriter(w);
    out.print(text + "\n");
    out.flush();
  }

  private static void sendAll(List<Socket> peers, String text) {
    for (Socket p : peers) {
      try {
        send(p, text);
      } catch (IOException e) {
        LOG.warn("could not answer a rank at {}: {}", p.getInetAddress(), e.getMessage());
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while waiting for rank 0");
    }
  }
}
