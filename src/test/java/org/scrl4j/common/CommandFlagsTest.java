package org.scrl4j.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandFlagsTest {
  private static CommandFlags flags() {
    return new CommandFlags("boxes").flag("count", "N", "how many").flag("out", "PNG", "where")
        .flag("lr", "LR", "rate").flag("mode", "MODE", "a or b").flagList("images", "DIR", "inputs")
        .toggle("force", "replace");
  }

  private static String error(List<String> args) {
    CommandFlags f = flags();
    return assertThrows(UserError.class, () -> {
      f.parse(args);
      f.positiveInt("count", 1);
      f.number("lr", 0.1);
      f.choice("mode", "a", "a", "b");
      f.required("out");
    }).getMessage();
  }

  @Test
  void bothSpellingsTypedValuesAndWhatWasGiven() {
    CommandFlags f = flags();
    assertTrue(f.parse(List.of("--count=3", "--out", "x.png", "--lr", "1e-3", "--force",
        "--images", "a", "b", "--mode", "B")));
    assertEquals(3, f.positiveInt("count", 8));
    assertEquals(1e-3, f.number("lr", 0.1));
    assertEquals("b", f.choice("mode", "a", "a", "b"));
    assertEquals(List.of("a", "b"), f.values("images"));
    assertTrue(f.isSet("force"));
    assertEquals(Map.of("count", "3", "out", "x.png", "lr", "1e-3", "images", "a", "mode", "B"), f.given());
    assertEquals("x.png", CommandFlags.peek(List.of("--out", "x.png"), "out"));
    assertEquals("y", CommandFlags.peek(List.of("--out=y"), "out"));
  }

  @Test
  void everyMistakeIsOneLineNamingTheFlagAndTheFix() {
    String unknown = error(List.of("--cuont", "3"));
    assertTrue(unknown.contains("unknown flag --cuont; did you mean --count?"), unknown);
    String missing = error(List.of("--count"));
    assertTrue(missing.contains("--count needs a value: --count N"), missing);
    String notInt = error(List.of("--count", "zero", "--out", "x"));
    assertTrue(notInt.contains("--count 'zero' is not a whole number"), notInt);
    String notPositive = error(List.of("--count", "0", "--out", "x"));
    assertTrue(notPositive.contains("--count 0 must be a positive integer"), notPositive);
    String notNumber = error(List.of("--lr", "fast", "--out", "x"));
    assertTrue(notNumber.contains("--lr 'fast' is not a number"), notNumber);
    String badChoice = error(List.of("--mode", "c", "--out", "x"));
    assertTrue(badChoice.contains("--mode c is not one of a, b"), badChoice);
    String required = error(List.of());
    assertTrue(required.contains("--out is required"), required);
    String stray = error(List.of("stray"));
    assertTrue(stray.contains("unexpected argument 'stray'"), stray);
    for (String m : List.of(unknown, missing, notInt, notPositive, notNumber, badChoice, required, stray)) {
      assertTrue(m.startsWith("boxes: ") && m.endsWith("(tools/scrl boxes --help lists the flags)"), m);
      assertFalse(m.contains("\n"), m);
    }
  }

  @Test
  void helpIsPrintedNotParsed() {
    CommandFlags f = flags();
    assertFalse(f.parse(List.of("--help")));
    assertTrue(f.help().contains("--count <N>"), f.help());
  }
}
