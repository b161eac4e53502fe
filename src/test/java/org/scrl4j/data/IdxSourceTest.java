package org.scrl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class IdxSourceTest {
  @TempDir Path cache;

  @Test
  void idxImagesArriveLosslesslyAsThreeChannelsWithTheirLabels() throws Exception {
    IdxFiles.Images truth = IdxFiles.readImages(
        IdxFiles.find(ConvertTest.FASHION, "t10k-images-idx3-ubyte"));
    int[] truthLabels = IdxFiles.readLabels(
        IdxFiles.find(ConvertTest.FASHION, "t10k-labels-idx1-ubyte"));
    IdxSource val = IdxSource.open(ConvertTest.FASHION, Split.VALIDATION, cache);
    assertEquals(10000, val.size());
    assertEquals(10, val.numClasses());
    // 16 images spread over the 10000: image k of the subset is image 625 k.
    ImageSource subset = ImageSources.spread(val, 16);
    assertEquals(16, subset.size());
    try (Graph g = new Graph(); Session s = new Session(g)) {
      InputPipeline p = InputPipeline.build(Ops.create(g), subset, new ConvertTest.Pixels(),
          PipelineOptions.evaluation(16, 0, 1));
      p.startEpoch(s, 0, 0);
      try (Result r = s.runner().fetch(p.output("pixels")).fetch(p.output("label"))
          .fetch(p.output("index")).run()) {
        TFloat32 px = (TFloat32) r.get(0);
        TInt64 lab = (TInt64) r.get(1);
        for (int k = 0; k < 16; k++) {
          int i = 625 * k;
          assertEquals(truthLabels[i], lab.getLong(k), "label of image " + i);
          for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
              for (int c = 0; c < 3; c++) {
                assertEquals(truth.pixels()[i][y * 28 + x] & 0xff, px.getFloat(k, y, x, c), 0f);
              }
            }
          }
        }
      }
      assertNull(p.explain(s, new RuntimeException("not the data's fault")));
    }
    try (ImageChecker checker = new ImageChecker()) {
      assertEquals(28, checker.decode(subset.readImage(3)).height());
    }
    assertEquals(truthLabels[625 * 3], subset.readLabel(3));
    // Cycling the 16 to 40 reads: read k is image k mod 16 of the subset, in index and on the host.
    ImageSource cycled = ImageSources.cycle(subset, 40);
    assertEquals(40, cycled.size());
    for (int k : new int[] {0, 15, 16, 33, 39}) {
      assertEquals(truthLabels[625 * (k % 16)], cycled.readLabel(k), "label of read " + k);
      assertEquals(subset.index().offset(k % 16), cycled.index().offset(k), "offset of read " + k);
      assertEquals(subset.index().path(k % 16), cycled.index().path(k), "file of read " + k);
    }
    assertSame(subset, ImageSources.cycle(subset, 16), "no cycling needed");
    UserError e = assertThrows(UserError.class, () -> IdxSource.open(cache, Split.TRAIN, cache));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
  }
}
