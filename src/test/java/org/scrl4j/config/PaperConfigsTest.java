package org.scrl4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each shipped paper config against SPEC "Configs", field by field. */
class PaperConfigsTest {

  // name, scrl, epochs, m, lr, wd, eval lr, valid, snapshot, tb.
  // eval lr of byol_1000ep: the original's file says 0.05 (SPEC's summary says 0.2); we follow the code.
  @ParameterizedTest
  @CsvSource({
      "byol_200ep,  false, 200,  0.97,  0.45, 1e-6,   0.05, 5,   20,  1",
      "byol_1000ep, false, 1000, 0.996, 0.2,  1.5e-6, 0.05, 10,  100, 5",
      "scrl_200ep,  true,  200,  0.97,  0.45, 1e-6,   0.2,  5,   20,  1",
      "scrl_1000ep, true,  1000, 0.996, 0.2,  1.5e-6, 0.2,  100, 100, 5"})
  void matchesSpec(String name, boolean scrl, int epochs, double m, double lr, double wd,
      double evalLr, int valid, int snapshot, int tb) {
    Config c = ConfigLoader.load(Path.of("config", name + ".yaml"), List.of());

    assertEquals(scrl, c.network().scrl().enabled());
    assertEquals(scrl ? "scrl" : "byol", c.method());
    assertEquals(epochs, c.train().maxEpochs());
    assertEquals(m, c.train().m());
    assertEquals(lr, c.train().optim().lr());
    assertEquals(wd, c.train().optim().weightDecay(), 1e-15);
    assertEquals(evalLr, c.eval().optim().lr());
    assertEquals(valid, c.train().validInterval());
    assertEquals(snapshot, c.train().snapshotInterval());
    assertEquals(tb, c.train().tbInterval());

    // Shared values.
    assertEquals("resnet50", c.network().name());
    assertEquals(64, c.network().width());
    assertEquals(2048, c.network().projHead().inputSize());
    assertEquals(4096, c.network().projHead().hiddenSize());
    assertEquals(256, c.network().projHead().outputSize());
    assertEquals("simclr", c.augment().type());
    assertEquals(224, c.augment().inputSize());
    assertEquals(List.of(0.2, 1.0), c.augment().cropScale());
    assertEquals(256, c.train().batchSizeTrain());
    assertEquals(10, c.train().warmupEpochs());
    assertEquals(0.9, c.train().optim().momentum());
    assertEquals("reference", c.train().optim().quirks());
    assertEquals(80, c.eval().maxEpochs());
    assertEquals(5, c.eval().warmupEpochs());
    assertEquals(128, c.eval().batchSizeTrain());
    assertEquals(0.9, c.eval().optim().momentum());
    assertEquals(true, c.eval().optim().nesterov());
    assertEquals(0.0, c.eval().optim().weightDecay());

    ScrlConfig s = c.network().scrl();
    assertEquals(10, s.numPatchesPerImage());
    assertEquals(0.5, s.iouThreshold());
    assertEquals(true, s.gridBasedBoxGen());
    assertEquals(32, s.minSize());
    assertEquals(1, s.poolSize());
    assertEquals(1.0 / 32, s.spatialScale());
    assertEquals(-1, s.samplingRatio());
    assertEquals(false, s.detectronAligned());
    assertEquals(false, s.boxJittering());
    assertEquals(0.1, s.jitteringRatio());

    // SPEC's per-view probabilities of the simclr chain.
    assertEquals(List.of(1.0, 0.1), c.augment().blurProb());
    assertEquals(List.of(0.0, 0.2), c.augment().solarizeProb());
    assertEquals(0.8, c.augment().colorJitterProb());
    assertEquals(0.2, c.augment().grayscaleProb());
  }
}
