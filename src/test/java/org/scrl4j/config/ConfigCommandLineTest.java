package org.scrl4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scrl4j.common.UserError;

class ConfigCommandLineTest {
  @Test
  void bothOverrideSpellingsAndTopLevelFlags() {
    ConfigCommandLine.Parsed p = ConfigCommandLine.parse(List.of("--config", "config/scrl_200ep.yaml",
        "--train/enabled=False", "--dataset/root", "/data", "--load_dir", "runs/a", "--seed", "3",
        "--num_machines", "2", "--machine_rank", "1", "--dist_url", "tcp://10.0.0.1:23456",
        "--print-config"));
    assertEquals(Path.of("config/scrl_200ep.yaml"), p.configFile());
    assertTrue(p.printConfig());
    Config c = p.load();
    assertEquals(false, c.train().enabled());
    assertEquals("/data", c.dataset().root());
    assertEquals("runs/a", c.loadDir());
    assertEquals(3L, c.seed());
    assertEquals(2, c.numMachines());
    assertEquals(1, c.machineRank());
    assertEquals("tcp://10.0.0.1:23456", c.distUrl());
  }

  @Test
  void bareBooleanOverrideMeansTrue() {
    Config c = ConfigCommandLine.parse(List.of("--eval/cached_features", "--seed=1")).load();
    assertEquals(true, c.eval().cachedFeatures());
    assertEquals(1L, c.seed());
  }

  @Test
  void unknownFlagSuggestsTheNearest() {
    UserError e = assertThrows(UserError.class,
        () -> ConfigCommandLine.parse(List.of("--save-dir", "x")));
    assertTrue(e.getMessage().contains("save_dir"), e.getMessage());
  }

  @Test
  void strayWordsAndMissingValuesAreErrors() {
    assertThrows(UserError.class, () -> ConfigCommandLine.parse(List.of("config.yaml")));
    assertThrows(UserError.class, () -> ConfigCommandLine.parse(List.of("--train/optim/lr")));
    assertThrows(UserError.class, () -> ConfigCommandLine.parse(List.of("--config")));
  }

  @Test
  void helpListsTheFlags() {
    String help = ConfigCommandLine.help("tools/scrl train");
    for (String flag : List.of("--config", "--load_dir", "--save_dir", "--dist_url", "--num_machines",
        "--machine_rank", "--seed", "--print-config")) {
      assertTrue(help.contains(flag), flag);
    }
  }

  @Test
  void configWithAnEqualsSignAndAPathIsTheConfigFlag() {
    ConfigCommandLine.Parsed p = ConfigCommandLine.parse(List.of("--config=config/scrl_200ep.yaml",
        "--dataset/root=/data/a=b"));
    assertEquals(Path.of("config/scrl_200ep.yaml"), p.configFile());
    assertEquals("/data/a=b", p.load().dataset().root());
  }

  @Test
  void aCommandsOwnFlagsParseBesideTheConfigFlags() {
    org.scrl4j.common.CommandFlags own = new org.scrl4j.common.CommandFlags("boxes")
        .flag("count", "N", "how many");
    ConfigCommandLine.Parsed p = ConfigCommandLine.parse(own, List.of("--count", "3", "--seed", "5",
        "--augment/input_size=32"));
    assertEquals(3, own.positiveInt("count", 8));
    assertEquals(5L, p.load().seed());
    assertEquals(32, p.load().augment().inputSize());
    UserError e = assertThrows(UserError.class, () -> ConfigCommandLine.parse(
        new org.scrl4j.common.CommandFlags("boxes").flag("count", "N", "how many"), List.of("--cout", "3")));
    assertTrue(e.getMessage().contains("--count"), e.getMessage());
  }
}
