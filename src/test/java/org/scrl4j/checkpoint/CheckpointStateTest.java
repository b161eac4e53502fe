package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CheckpointStateTest {
  private static final String CONFIG =
      "method: scrl\nname: \"quoted\" \\ back\ttab \u0001 é <a&b>=\n";

  /** state.json as the hand-written FlatJson of earlier builds wrote it: runs must still resume. */
  @Test
  void readsTheStateJsonOfEarlierBuilds() throws IOException {
    String old;
    try (InputStream in = getClass().getResourceAsStream("state_flatjson_format1.json")) {
      old = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    CheckpointState.Stored s = CheckpointState.fromJson(old);
    assertEquals(new CheckpointState(3, 300, 0, 12.5, 3, "resnet18", 8, "scrl", 60000, 0, 0, 7, CONFIG,
        "0.1.0"), s.state());
    assertEquals(1234, s.weightsBytes());
    // what this build writes is the same text
    assertEquals(old, s.state().toJson(1234));
  }

  @Test
  void roundTrip() {
    CheckpointState s = new CheckpointState(1, Long.MAX_VALUE / 3, 17, 0.1 + 0.2, 1, "resnet50", 64,
        "byol", 1281167, 8, 4096, -5, CONFIG, "dev");
    CheckpointState.Stored back = CheckpointState.fromJson(s.toJson(99));
    assertEquals(s, back.state());
    assertEquals(99, back.weightsBytes());
  }

  @Test
  void malformedIsIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> CheckpointState.fromJson("{\"format\": 1"));
    assertThrows(IllegalArgumentException.class, () -> CheckpointState.fromJson("{\"format\": 2}"));
  }
}
