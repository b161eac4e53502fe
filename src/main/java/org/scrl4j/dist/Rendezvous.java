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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
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
 * <p>Wire format (UTF-8 lines): client {@code JOIN <world> <rank> <grpcPort>}; server
 * {@code CLUSTER <world>} followed by {@code world} lines {@code <rank> <host:port>}, or
 * {@code ERROR <message>}.
 */
final class Rendezvous {
  private static final Logger LOG = LogManager.getLogger(Rendezvous.class);
  private static final long RETRY_MILLIS = 300;

  private Rendezvous() {}

  /** Returns the gRPC address ({@code host:port}) of every rank, indexed by rank. */
  static List<String> exchange(DistSettings s) {
    return s.rank() == 0 ? lead(s) : join(s);
  }

  private static List<String> lead(DistSettings s) {
    int world = s.world();
    String[] table = new String[world];
    table[0] = hostPort(s.host(), s.serverPort(0));
    List<Socket> peers = new ArrayList<>();
    long deadline = System.nanoTime() + s.startTimeout().toNanos();
    try (ServerSocket listener = new ServerSocket()) {
      listener.setReuseAddress(true);
      try {
        listener.bind(new InetSocketAddress(s.port()));
      } catch (BindException e) {
        throw new UserError(
            "--dist_url port " + s.port() + " is already in use on this machine; choose another"
                + " port (ports " + s.port() + ".." + (s.port() + world) + " must be free)");
      }
      LOG.info("rank 0 waiting for {} other rank(s) on port {}", world - 1, s.port());
      while (peers.size() < world - 1) {
        long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
        if (leftMillis <= 0) {
          String missing = missingRanks(table);
          sendAll(peers, "ERROR rank 0 gave up waiting for rank(s) " + missing);
          throw new UserError(
              "start-up timed out after " + s.startTimeout().toSeconds() + " s: rank(s) " + missing
                  + " never joined " + s.distUrl() + " (are those machines started with the same"
                  + " --dist_url and --num_machines?)");
        }
        listener.setSoTimeout((int) Math.min(leftMillis, Integer.MAX_VALUE));
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

  private static List<String> join(DistSettings s) {
    long deadline = System.nanoTime() + s.startTimeout().toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
        socket.connect(new InetSocketAddress(s.host(), s.port()), (int) Math.max(1, Math.min(leftMillis, 5000)));
        send(socket, "JOIN " + s.world() + " " + s.rank() + " " + s.serverPort(s.rank()));
        socket.setSoTimeout((int) Math.max(1000, leftMillis + 5000));
        BufferedReader in = reader(socket);
        String head = in.readLine();
        if (head == null) {
          throw new UserError("rank 0 at " + s.distUrl() + " closed the rendezvous without an answer");
        }
        if (head.startsWith("ERROR ")) {
          throw new UserError("rank 0 refused rank " + s.rank() + ": " + head.substring(6));
        }
        int world = Integer.parseInt(head.split(" ")[1]);
        String[] table = new String[world];
        for (int i = 0; i < world; i++) {
          String[] f = in.readLine().split(" ");
          table[Integer.parseInt(f[0])] = f[1];
        }
        return List.of(table);
      } catch (SocketTimeoutException e) {
        throw new UserError(
            "rank " + s.rank() + " joined " + s.distUrl() + " but the other ranks did not all join within "
                + s.startTimeout().toSeconds() + " s");
      } catch (IOException e) {
        // Rank 0 is not listening yet: retry until the deadline.
        if (System.nanoTime() + RETRY_MILLIS * 1_000_000 > deadline) {
          throw new UserError(
              "rank 0 did not answer at " + s.distUrl() + " within " + s.startTimeout().toSeconds()
                  + " s (" + e.getMessage() + "); start machine 0 with the same --dist_url");
        }
        sleep(RETRY_MILLIS);
      }
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
