package org.scrl4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scrl4j.common.UserError;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, text);
    return f;
  }

  private static ConfigLoader.Override o(String path, String value) {
    return new ConfigLoader.Override(path, value);
  }

  @Test
  void defaultsFillEverythingAFileLeavesOut() throws IOException {
    Config c = ConfigLoader.load(yaml("train:\n  max_epochs: 17\n"), List.of());
    assertEquals(17, c.train().maxEpochs());
    assertEquals(Config.defaults().train().optim(), c.train().optim());
    assertEquals(Config.defaults().network(), c.network());
    assertEquals(Config.defaults().eval(), c.eval());
  }

  @Test
  void emptyFileIsTheDefaults() throws IOException {
    assertEquals(Config.defaults(), ConfigLoader.load(yaml(""), List.of()));
  }

  @Test
  void commandLineWinsOverTheFile() throws IOException {
    Path f = yaml("train:\n  enabled: true\n  optim:\n    lr: 0.3\n");
    Config c = ConfigLoader.load(f, List.of(o("train/enabled", "False"), o("train/optim/lr", "0.1")));
    assertEquals(false, c.train().enabled());
    assertEquals(0.1, c.train().optim().lr());
  }

  @ParameterizedTest
  @CsvSource({"true,true", "True,true", "YES,true", "yes,true", "1,true",
      "false,false", "FALSE,false", "No,false", "0,false"})
  void booleansAsSpecSays(String text, boolean expected) {
    Config c = ConfigLoader.load(null, List.of(o("train/enabled", text)));
    assertEquals(expected, c.train().enabled());
  }

  @Test
  void listsAndNullsFromTheCommandLine() {
    Config c = ConfigLoader.load(null, List.of(o("augment/crop_scale", "[0.08, 1.0]"),
        o("dataset/root", "/data/in"), o("load_dir", "null")));
    assertEquals(List.of(0.08, 1.0), c.augment().cropScale());
    assertEquals("/data/in", c.dataset().root());
    assertNull(c.loadDir());
  }

  @Test
  void unknownKeyNamesTheNearestValidKey() {
    UserError e = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("train/optim/lrr", "1"))));
    assertTrue(e.getMessage().contains("'train/optim/lrr'"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'train/optim/lr'"), e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @Test
  void precisionIsValidatedAndTheOldDtypeKeyNamesItsNewName() {
    assertEquals("float32", ConfigLoader.load(null, List.of()).train().precision());
    assertEquals("mixed_bfloat16",
        ConfigLoader.load(null, List.of(o("train/precision", "mixed_bfloat16"))).train().precision());
    UserError bad = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("train/precision", "bfloat16"))));
    assertEquals("config key 'train/precision' must be one of float32, mixed_bfloat16, mixed_float16, got"
        + " 'bfloat16'", bad.getMessage());
    UserError old = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("train/dtype", "float32"))));
    assertTrue(old.getMessage().contains("'train/dtype'") && old.getMessage().contains("renamed to 'train/precision'"),
        old.getMessage());
  }

  @Test
  void unknownKeyInTheFileNamesFileAndLine() throws IOException {
    Path f = yaml("train:\n  max_epochs: 3\n  warmup_epoch: 1\n");
    UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(f, List.of()));
    assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    assertTrue(e.getMessage().contains("train/warmup_epochs"), e.getMessage());
  }

  @Test
  void wrongTypeNamesKeyTypeAndValue() {
    UserError e = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("train/max_epochs", "abc"))));
    assertTrue(e.getMessage().contains("train/max_epochs"), e.getMessage());
    assertTrue(e.getMessage().contains("integer"), e.getMessage());
    assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
  }

  @Test
  void wrongTypeInTheFileNamesTheLine() throws IOException {
    Path f = yaml("train:\n  optim:\n    lr: fast\n");
    UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(f, List.of()));
    assertTrue(e.getMessage().contains("train/optim/lr") && e.getMessage().contains("number")
        && e.getMessage().contains("line 3"), e.getMessage());
  }

  @Test
  void aValueWhereASectionBelongs() throws IOException {
    Path f = yaml("train: 5\n");
    UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(f, List.of()));
    assertTrue(e.getMessage().contains("section"), e.getMessage());
    UserError e2 = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("train/optim", "1"))));
    assertTrue(e2.getMessage().contains("train/optim/lr"), e2.getMessage());
  }

  @Test
  void missingFile() {
    UserError e = assertThrows(UserError.class,
        () -> ConfigLoader.load(dir.resolve("none.yaml"), List.of()));
    assertTrue(e.getMessage().contains("none.yaml") && e.getMessage().contains("not found"));
  }

  @Test
  void invalidYamlNamesFileAndLine() throws IOException {
    Path f = yaml("train:\n  max_epochs: 3\n bad: [1, 2\n");
    UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(f, List.of()));
    assertTrue(e.getMessage().contains("c.yaml") && e.getMessage().contains("line"), e.getMessage());
  }

  @Test
  void duplicateKeysAreRejected() throws IOException {
    Path f = yaml("seed: 1\nseed: 2\n");
    assertThrows(UserError.class, () -> ConfigLoader.load(f, List.of()));
  }

  @Test
  void valuesOutsideTheirRangeAreRejected() {
    assertThrows(UserError.class, () -> ConfigLoader.load(null, List.of(o("network/name", "resnet99"))));
    assertThrows(UserError.class, () -> ConfigLoader.load(null, List.of(o("train/optim/quirks", "x"))));
    assertThrows(UserError.class, () -> ConfigLoader.load(null, List.of(o("train/batch_size_train", "0"))));
    assertThrows(UserError.class, () -> ConfigLoader.load(null, List.of(o("augment/crop_scale", "[1.0, 0.2]"))));
    UserError warm = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("train/max_epochs", "10"))));
    assertTrue(warm.getMessage().contains("train/warmup_epochs"), warm.getMessage());
    UserError e = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("num_machines", "2"), o("machine_rank", "2"))));
    assertTrue(e.getMessage().contains("machine_rank"), e.getMessage());
    UserError pad = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("augment/center_crop_pad", "-1"))));
    assertTrue(pad.getMessage().contains("augment/center_crop_pad"), pad.getMessage());
    UserError z = assertThrows(UserError.class,
        () -> ConfigLoader.load(null, List.of(o("eval/standardize_features", "true"))));
    assertTrue(z.getMessage().contains("eval/cached_features"), z.getMessage());
    assertEquals(true, ConfigLoader.load(null, List.of(o("eval/standardize_features", "true"),
        o("eval/cached_features", "true"))).eval().standardizeFeatures());
  }

  @Test
  void printedConfigLoadsBackToTheSameConfig() throws IOException {
    Config c = ConfigLoader.load(Path.of("config/scrl_1000ep.yaml"),
        List.of(o("train/enabled", "false"), o("dataset/root", "/x")));
    Path f = yaml(ConfigPrinter.toYaml(c));
    assertEquals(c, ConfigLoader.load(f, List.of()));
  }

  /** The YAML a checkpoint keeps (ConfigPrinter's text) reads back to the run's config. */
  @Test
  void textLoadsLikeAFile() {
    Config c = ConfigLoader.load(Path.of("config/demo_fashion_mnist.yaml"), List.of(o("dataset/root", "/x")));
    assertEquals(c, ConfigLoader.loadText(ConfigPrinter.toYaml(c), "state.json config"));
    assertEquals(Config.defaults(), ConfigLoader.loadText("", "empty"));
  }

  @Test
  void textErrorsNameWhereTheTextCameFrom() {
    UserError bad = assertThrows(UserError.class,
        () -> ConfigLoader.loadText("augment:\n  input_size: [1\n", "ckpt/state.json config"));
    assertTrue(bad.getMessage().startsWith("invalid YAML in ckpt/state.json config line "), bad.getMessage());
    UserError unknown = assertThrows(UserError.class,
        () -> ConfigLoader.loadText("augment:\n  input_sise: 32\n", "ckpt/state.json config"));
    assertTrue(unknown.getMessage().contains("augment/input_size")
        && unknown.getMessage().contains("ckpt/state.json config line 2"), unknown.getMessage());
  }
}
