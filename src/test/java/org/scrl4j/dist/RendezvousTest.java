package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;

/**
 * Start-up never waits silently: a rank without rank 0, rank 0 without its peers and an
 * unresolvable host name each say what they wait for and end with a one-line error. Bounds on the
 * elapsed time are generous (the machine is shared); they check that the wait ends, not its speed.
 */
class RendezvousTest {
  private static final long REPORT_MILLIS = 500;

  private static DistSettings settings(int world, int rank, String host, int port, int timeoutSeconds) {
    return DistSettings.parse(world, rank, 1, 0, "tcp://" + host + ":" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(timeoutSeconds));
  }

  @Test
  void aRankWhoseRankZeroIsNotListeningReportsAndGivesUpNamingTheAddress() {
    int port = DistSettings.freePortRun(3); // free, so nothing answers there
    List<String> reports = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    UserError e = assertThrows(UserError.class,
        () -> Rendezvous.exchange(settings(2, 1, "127.0.0.1", port, 3), reports::add, REPORT_MILLIS));
    double seconds = (System.nanoTime() - start) / 1e9;
    String m = e.getMessage();
    assertEquals(2, e.exitCode());
    assertTrue(m.contains("rank 0 at 127.0.0.1:" + port + " within 3 s"), m);
    assertTrue(m.contains("--dist_url") && m.contains("firewall") && m.contains("machine 0 was started"), m);
    assertTrue(!m.contains("\n"), "one line: " + m);
    // It waited for its timeout (not giving up on the first refusal) and then ended.
    assertTrue(seconds > 2.5 && seconds < 30, "gave up after " + seconds + " s");
    assertTrue(reports.size() >= 3, "progress every 0.5 s over 3 s: " + reports);
    assertTrue(reports.get(0).contains("waiting for rank 0 at 127.0.0.1:" + port), reports.get(0));
    assertTrue(reports.get(0).matches(".*; [0-9]+ s left\\)"), reports.get(0));
  }

  @Test
  void anUnresolvableHostFailsAtOnce() {
    List<String> reports = new CopyOnWriteArrayList<>();
    for (int rank : new int[] {1, 0}) {
      long start = System.nanoTime();
      UserError e = assertThrows(UserError.class, () -> Rendezvous.exchange(
          settings(2, rank, "no-such-host.invalid", 29500, 120), reports::add, REPORT_MILLIS));
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(e.getMessage().contains("'no-such-host.invalid' does not resolve"), e.getMessage());
      assertTrue(e.getMessage().contains("IP address"), e.getMessage());
      // "At once": far below the 120 s timeout (a resolver may take a few seconds to say no).
      assertTrue(seconds < 30, "took " + seconds + " s");
    }
    assertEquals(List.of(), reports, "nothing to wait for");
  }

  /**
   * World of 3, only rank 1 comes: rank 0 reports the missing rank 2, rank 1 hears rank 0's WAIT
   * lines and both end with rank 0's verdict naming rank 2.
   */
  @Test
  void rankZeroAndAJoinedRankReportTheMissingRankUntilTheTimeout() throws Exception {
    int port = DistSettings.freePortRun(4);
    List<String> leadReports = new CopyOnWriteArrayList<>();
    List<String> joinReports = new CopyOnWriteArrayList<>();
    CompletableFuture<UserError> lead = CompletableFuture.supplyAsync(() -> assertThrows(UserError.class,
        () -> Rendezvous.exchange(settings(3, 0, "127.0.0.1", port, 3), leadReports::add, REPORT_MILLIS)));
    UserError joined = assertThrows(UserError.class,
        () -> Rendezvous.exchange(settings(3, 1, "127.0.0.1", port, 3), joinReports::add, REPORT_MILLIS));
    UserError leader = lead.get(30, TimeUnit.SECONDS);
    assertTrue(leader.getMessage().contains("rank(s) 2 never joined rank 0 at 127.0.0.1:" + port),
        leader.getMessage());
    assertTrue(joined.getMessage().contains("gave up waiting for rank(s) 2"), joined.getMessage());
    assertTrue(leadReports.stream().anyMatch(r -> r.contains("still waiting for rank(s) 2 (")),
        leadReports.toString());
    assertTrue(joinReports.stream().anyMatch(r -> r.contains("still waiting for rank(s) 2 (")),
        joinReports.toString());
  }

  @Test
  void allRanksReceiveTheSameTable() throws Exception {
    int port = DistSettings.freePortRun(3);
    CompletableFuture<List<String>> lead = CompletableFuture.supplyAsync(
        () -> Rendezvous.exchange(settings(2, 0, "127.0.0.1", port, 20), r -> { }, REPORT_MILLIS));
    List<String> fromJoin = Rendezvous.exchange(settings(2, 1, "127.0.0.1", port, 20), r -> { }, REPORT_MILLIS);
    assertEquals(List.of("127.0.0.1:" + (port + 1), "127.0.0.1:" + (port + 2)), fromJoin);
    assertEquals(fromJoin, lead.get(30, TimeUnit.SECONDS));
  }
}
