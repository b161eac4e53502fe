package org.scrl4j.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void roundTripKeepsTypesOrderAndEscapes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", 1L << 53);
    m.put("score", 12.5);
    m.put("tiny", 1e-300);
    m.put("ok", true);
    m.put("none", null);
    m.put("text", "quote \" back \\ newline \n tab \t bell \u0007 unicode é <a&b>=");
    for (String s : List.of(Json.write(m), Json.line(m), Json.compact(m))) {
      Map<String, Object> back = Json.readObject(s);
      assertEquals(m, back, s);
      assertEquals(List.copyOf(m.keySet()), List.copyOf(back.keySet()));
    }
  }

  @Test
  void styles() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", "x\"y");
    assertEquals("{\n  \"a\": 1,\n  \"b\": \"x\\\"y\"\n}\n", Json.write(m));
    assertEquals("{\"a\": 1, \"b\": \"x\\\"y\"}", Json.line(m));
    assertEquals("{\"a\":1,\"b\":\"x\\\"y\"}", Json.compact(m));
  }

  @Test
  void refusesWhatJsonCannotSay() {
    assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of("x", Double.NaN)));
    assertThrows(IllegalArgumentException.class, () -> Json.readObject("{\"a\": 1} trailing"));
    assertThrows(IllegalArgumentException.class, () -> Json.readObject("{a: 1}"));
    assertThrows(IllegalArgumentException.class, () -> Json.readObject("{\"a\": 1,"));
    assertThrows(IllegalArgumentException.class, () -> Json.readObject(""));
  }
}
