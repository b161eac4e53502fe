package org.scrl4j.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;

class VerifyStepCommandTest {
  private final VerifyStepCommand cmd = new VerifyStepCommand();

  @Test
  void badArgumentsAreUserErrors() {
    assertThrows(UserError.class, () -> cmd.run(List.of("--out", "x.npz")));
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", "/nonexistent.npz", "--out", "x.npz")));
    String c = org.scrl4j.GraphTesting.trainGolden("r18w8_case.npz").toString();
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", c, "--out", "x.npz", "--mode", "simclr")));
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", c, "--out", "x.npz", "--quirks", "none")));
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", c, "--out", "x.npz", "--lars-lr", "fast")));
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", c, "--out", "x.npz", "--frobnicate", "1")));
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", c, "--out", "x.npz", "--batch-norm", "folded")));
    assertThrows(UserError.class, () -> cmd.run(List.of("--case", c, "--out", "x.npz", "--precision", "bf16")));
  }
}
