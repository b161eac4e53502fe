package org.scrl4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;

class DistSettingsTest {

  @Test
  void rankIsMachineRankTimesDevicesPlusLocalIndex() {
    DistSettings s = DistSettings.parse(4, 2, 8, 3, "tcp://10.1.2.3:23456", "GPU");
    assertEquals(32, s.world());
    assertEquals(19, s.rank());
    assertEquals("10.1.2.3", s.host());
    assertEquals(23456, s.port());
    assertEquals(23456 + 1 + 19, s.serverPort(19));
    assertEquals("--num_machines 4 --machine_rank 1 --num_devices 8 --dist_url tcp://10.1.2.3:23456",
        s.commandLineFor(1));
  }

  @Test
  void outOfRangeValuesAreUserErrorsNamingTheFlag() {
    UserError e = assertThrows(UserError.class,
        () -> DistSettings.parse(2, 2, 1, 0, "tcp://127.0.0.1:23456", "CPU"));
    assertTrue(e.getMessage().contains("--machine_rank 2") && e.getMessage().contains("0..1"), e.getMessage());
    assertThrows(UserError.class, () -> DistSettings.parse(0, 0, 1, 0, "tcp://127.0.0.1:1", "CPU"));
    assertThrows(UserError.class, () -> DistSettings.parse(1, 0, 2, 2, "tcp://127.0.0.1:1", "CPU"));
    assertThrows(UserError.class, () -> DistSettings.parse(1, 0, 1, 0, "tcp://127.0.0.1:1", "TPU"));
    UserError high = assertThrows(UserError.class,
        () -> DistSettings.parse(2, 0, 4, 0, "tcp://127.0.0.1:65530", "CPU"));
    assertTrue(high.getMessage().contains("65535"), high.getMessage());
  }

  @Test
  void malformedUrlsAreRejected() {
    for (String url : new String[] {"127.0.0.1:23456", "http://h:1", "tcp://host", "tcp://:99", "tcp://h:1/x", "", "tcp://a b:1"}) {
      UserError e = assertThrows(UserError.class, () -> DistSettings.parse(2, 0, 1, 0, url, "CPU"), url);
      assertTrue(e.getMessage().contains("--dist_url"), e.getMessage());
    }
  }

  @Test
  void autoPicksALocalAddressAndFreePortsOnlyOnMachineZero() throws Exception {
    DistSettings s = DistSettings.parse(2, 0, 2, 0, "auto", "CPU");
    assertTrue(DistSettings.allFree(s.port(), s.world() + 1));
    String host = s.host();
    assertTrue(host.equals("127.0.0.1") || !java.net.InetAddress.getByName(host).isLoopbackAddress(), host);
    // The address must be bindable here, i.e. one of this machine's.
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(host, 0));
    }
    UserError e = assertThrows(UserError.class, () -> DistSettings.parse(2, 1, 1, 0, "auto", "CPU"));
    assertTrue(e.getMessage().contains("machine 0"), e.getMessage());
  }

  @Test
  void aTakenPortIsAUserErrorNamingIt() throws Exception {
    int port = DistSettings.freePortRun(3);
    DistSettings rank1 = DistSettings.parse(1, 0, 2, 1, "tcp://127.0.0.1:" + port, "CPU");
    try (ServerSocket squatter = new ServerSocket(rank1.serverPort(1))) {
      assertFalse(DistSettings.isFree(rank1.serverPort(1)));
      UserError e = assertThrows(UserError.class, () -> DistContext.start(rank1));
      assertTrue(e.getMessage().contains("port " + (port + 2)), e.getMessage());
    }
    DistSettings rank0 = DistSettings.parse(1, 0, 2, 0, "tcp://127.0.0.1:" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    try (ServerSocket squatter = new ServerSocket(port)) {
      UserError e = assertThrows(UserError.class, () -> DistContext.start(rank0));
      assertTrue(e.getMessage().contains("port " + port + " is already in use"), e.getMessage());
    }
  }

  @Test
  void startUpNamesTheRanksThatNeverJoined() {
    int port = DistSettings.freePortRun(4);
    DistSettings rank0 = DistSettings.parse(3, 0, 1, 0, "tcp://127.0.0.1:" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    UserError e = assertThrows(UserError.class, () -> DistContext.start(rank0));
    assertTrue(e.getMessage().contains("rank(s) 1, 2 never joined"), e.getMessage());
  }

  @Test
  void aRankWithoutRankZeroGivesUpNamingTheUrl() {
    int port = DistSettings.freePortRun(3);
    DistSettings rank1 = DistSettings.parse(2, 1, 1, 0, "tcp://127.0.0.1:" + port, "CPU")
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    UserError e = assertThrows(UserError.class, () -> DistContext.start(rank1));
    assertTrue(e.getMessage().contains("could not reach rank 0 at 127.0.0.1:" + port), e.getMessage());
  }
}
