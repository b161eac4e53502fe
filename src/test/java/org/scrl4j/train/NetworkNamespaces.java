package org.scrl4j.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two Linux network namespaces joined by a veth pair, each its own "machine": {@link #ADDRESS_A}
 * in namespace A, {@link #ADDRESS_B} in B, loopback up in both, no route anywhere else, so all
 * traffic stays inside them (the addresses exist only there, so concurrent runs may reuse them).
 * Names carry this JVM's pid under the prefix {@link #PREFIX}: several test runs on one machine do
 * not meet, and the leftovers of a run that died before {@link #close} (its pid gone) are removed
 * by the next one. {@link #close} deletes both namespaces (which removes the veth pair); callers
 * kill their processes inside first.
 */
final class NetworkNamespaces implements AutoCloseable {
  static final String ADDRESS_A = "10.213.0.1";
  static final String ADDRESS_B = "10.213.0.2";
  static final String PREFIX = "scrl4j-mh-";
  /** veth names are at most 15 characters, too short for the namespace prefix. */
  private static final String VETH_PREFIX = "scmh";
  private static final Pattern OURS = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]+)-[ab]");
  private static final Pattern OUR_VETH = Pattern.compile(VETH_PREFIX + "([0-9]+)[ab]");

  /** Why the namespaces could not be made (not root, no {@code ip}, no namespaces here). */
  static final class Unavailable extends Exception {
    Unavailable(String why) {
      super(why);
    }
  }

  final String a;
  final String b;
  private final String vethA;
  private final String vethB;
  private final List<String> created = new ArrayList<>();

  private NetworkNamespaces(String tag) {
    a = PREFIX + tag + "-a";
    b = PREFIX + tag + "-b";
    vethA = VETH_PREFIX + tag + "a";
    vethB = VETH_PREFIX + tag + "b";
  }

  /**
   * Removes leftovers of earlier runs whose JVM is gone, then creates the pair; on any failure
   * removes what was made and throws the reason.
   */
  static NetworkNamespaces create() throws Unavailable {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new Unavailable(
          "network namespaces need root (running as " + System.getProperty("user.name") + ")");
    }
    long pid = ProcessHandle.current().pid();
    NetworkNamespaces n = new NetworkNamespaces(Long.toString(pid));
    try {
      removeLeftovers(n, pid);
      n.run("ip", "netns", "add", n.a);
      n.created.add(n.a);
      n.run("ip", "netns", "add", n.b);
      n.created.add(n.b);
      n.run("ip", "link", "add", n.vethA, "type", "veth", "peer", "name", n.vethB);
      n.run("ip", "link", "set", n.vethA, "netns", n.a);
      n.run("ip", "link", "set", n.vethB, "netns", n.b);
      n.run("ip", "-n", n.a, "addr", "add", ADDRESS_A + "/24", "dev", n.vethA);
      n.run("ip", "-n", n.b, "addr", "add", ADDRESS_B + "/24", "dev", n.vethB);
      for (String[] nsDev : new String[][] {{n.a, "lo"}, {n.b, "lo"}, {n.a, n.vethA}, {n.b, n.vethB}}) {
        n.run("ip", "-n", nsDev[0], "link", "set", nsDev[1], "up");
      }
      return n;
    } catch (IOException e) {
      n.close();
      throw new Unavailable("cannot set up network namespaces: " + e.getMessage());
    }
  }

  /**
   * Deletes {@link #PREFIX} namespaces and veths whose pid is not a live process, and this pid's own
   * (a live process cannot hold them yet: a reused pid of a crashed run left them).
   */
  private static void removeLeftovers(NetworkNamespaces n, long self) throws IOException {
    for (String line : n.run("ip", "netns", "list").split("\n")) {
      Matcher m = OURS.matcher(line.strip().split(" ")[0]);
      if (m.matches() && isStale(Long.parseLong(m.group(1)), self)) {
        System.out.println("multi-host: removing leftover network namespace " + m.group());
        n.run("ip", "netns", "del", m.group());
      }
    }
    for (String line : n.run("ip", "-o", "link", "show").split("\n")) {
      // "7: scmh123a@scmh123b: <...>": the name sits between the index and '@' or ':'.
      String[] parts = line.split(":", 3);
      if (parts.length < 2) {
        continue;
      }
      Matcher m = OUR_VETH.matcher(parts[1].strip().split("@")[0]);
      if (m.matches() && isStale(Long.parseLong(m.group(1)), self)) {
        System.out.println("multi-host: removing leftover veth " + m.group());
        n.run("ip", "link", "del", m.group());
      }
    }
  }

  private static boolean isStale(long pid, long self) {
    return pid == self || ProcessHandle.of(pid).isEmpty();
  }

  /** The prefix that runs a command inside namespace {@code ns}. */
  static List<String> in(String ns) {
    return List.of("ip", "netns", "exec", ns);
  }

  /**
   * Adds {@code ms} of delay to both ends with netem; returns null on success, else why not (the
   * kernel may lack the netem qdisc).
   */
  String addLatency(int ms) {
    try {
      run("ip", "netns", "exec", a, "tc", "qdisc", "add", "dev", vethA, "root", "netem", "delay", ms + "ms");
      run("ip", "netns", "exec", b, "tc", "qdisc", "add", "dev", vethB, "root", "netem", "delay", ms + "ms");
      return null;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** Runs a command to its end; fails with its output when it exits non-zero. */
  String run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not end within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  @Override
  public void close() {
    for (String ns : created) {
      try {
        run("ip", "netns", "del", ns);
      } catch (IOException e) {
        System.err.println("could not remove network namespace " + ns + ": " + e.getMessage());
      }
    }
    created.clear();
    try {
      // Only left in the root namespace when the set-up failed before moving it; else gone already.
      run("ip", "link", "del", vethA);
    } catch (IOException expected) {
      // "Cannot find device": deleting the namespaces removed the pair.
    }
  }
}
