package org.scrl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

class InputPipelineTest {
  @TempDir Path dir;

  /** One image as read through the pipeline. */
  record Item(long index, long label, float[] mean, int height, int width, float random) {}

  static List<Item> readEpoch(Session s, InputPipeline p, long epoch, long startStep) {
    p.startEpoch(s, epoch, startStep);
    List<Item> items = new ArrayList<>();
    while (true) {
      try (Result r = s.runner().fetch(p.output("index")).fetch(p.output("label"))
          .fetch(p.output("mean")).fetch(p.output("size")).fetch(p.output("random")).run()) {
        TInt64 idx = (TInt64) r.get(0);
        TInt64 lab = (TInt64) r.get(1);
        TFloat32 mean = (TFloat32) r.get(2);
        TInt32 size = (TInt32) r.get(3);
        TFloat32 rnd = (TFloat32) r.get(4);
        for (int b = 0; b < idx.shape().get(0); b++) {
          items.add(new Item(idx.getLong(b), lab.getLong(b),
              new float[] {mean.getFloat(b, 0), mean.getFloat(b, 1), mean.getFloat(b, 2)},
              size.getInt(b, 0), size.getInt(b, 1), rnd.getFloat(b)));
        }
      } catch (TFOutOfRangeException end) {
        return items;
      }
    }
  }

  @Test
  void tfRecordAndFolderSourcesReadTheSameImagesWithTheSameLabels() throws Exception {
    TestImages.folderSplit(dir.resolve("folders"), "train", 3, 4);
    TestImages.shards(dir.resolve("records"), "train", 3, 4, 2);
    ImageSource folders = ImageSources.open(dir.resolve("folders"), Split.TRAIN);
    ImageSource records = ImageSources.open(dir.resolve("records"), Split.TRAIN);
    assertEquals(FolderSource.class, folders.getClass());
    assertEquals(TfRecordSource.class, records.getClass());
    assertEquals(12, folders.size());
    assertEquals(12, records.size());
    assertEquals(3, folders.numClasses());
    assertEquals(3, records.numClasses());
    for (ImageSource src : List.of(folders, records)) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        InputPipeline p = InputPipeline.build(Ops.create(g), src, new TinyTransform(),
            PipelineOptions.evaluation(5, 0, 1));
        List<Item> items = readEpoch(s, p, 0, 0);
        assertEquals(12, items.size(), src.toString());
        for (int i = 0; i < 12; i++) {
          Item it = items.get(i);
          int c = i / 4;
          int k = i % 4;
          assertEquals(i, it.index());
          assertEquals(c, it.label(), src + " label of image " + i);
          assertEquals(16 + k, it.height());
          assertEquals(20 + c, it.width());
          int[] rgb = TestImages.colour(c, k);
          for (int ch = 0; ch < 3; ch++) {
            assertEquals(rgb[ch], it.mean()[ch], 4.0, src + " colour of image " + i);
          }
        }
      }
    }
  }
}
