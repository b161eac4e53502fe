package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.data.TfRecords;

/**
 * Reading a run folder's scalars back as TensorBoard shows them: a run killed mid-epoch and
 * resumed from its epoch-end checkpoint keeps the history up to the checkpoint (its validation
 * point included) and the resumed run's values after it; a torn last record is ignored.
 */
class TensorBoardScalarsTest {
  @TempDir Path tmp;

  /**
   * The first process writes steps 1..13 with a validation point at the epoch end (step 10, where
   * it also checkpointed) and is killed; the second resumes at 10 and writes 11..15 with other
   * values. Expected, computed here independently of the reader: 1..10 from the first, 11..15
   * from the second, the validation point at 10 kept.
   */
  @Test
  void aResumedFolderReadsTheHistoryBeforeTheResumeAndTheResumedValuesAfterIt() throws IOException {
    Path run = tmp.resolve("run");
    try (TensorBoardWriter first = new TensorBoardWriter(run)) {
      first.restartAt(0);
      for (long s = 1; s <= 13; s++) {
        first.scalar(ScalarTags.LOSS, s, s);
        if (s == 10) {
          first.scalar(ScalarTags.ONLINE_TOP1, s, 42.5);
        }
      }
    }
    try (TensorBoardWriter resumed = new TensorBoardWriter(run)) {
      resumed.restartAt(10);
      for (long s = 11; s <= 15; s++) {
        resumed.scalar(ScalarTags.LOSS, s, 100 + s);
      }
    }
    assertEquals(2, TensorBoardScalars.eventFiles(run).size());

    TensorBoardScalars read = TensorBoardScalars.read(run);
    TensorBoardScalars.Series loss = read.series(ScalarTags.LOSS);
    assertArrayEquals(LongStream.rangeClosed(1, 15).toArray(), loss.steps());
    double[] expected = LongStream.rangeClosed(1, 15).mapToDouble(s -> s <= 10 ? s : 100 + s).toArray();
    assertArrayEquals(expected, loss.values(), 0);
    assertArrayEquals(new long[] {10}, read.series(ScalarTags.ONLINE_TOP1).steps());
    assertArrayEquals(new double[] {42.5}, read.series(ScalarTags.ONLINE_TOP1).values(), 0);
    assertEquals(15, read.lastStep());
    assertEquals(0, read.series(ScalarTags.LR).size());
  }

  @Test
  void aRecordCutShortByAKillIsLeftOut() throws IOException {
    Path run = tmp.resolve("torn");
    Path file = twoLearningRates(run);
    byte[] whole = Files.readAllBytes(file);
    // a third record as a killed writer leaves it: a valid 12-byte header claiming 40 bytes,
    // then only 5 of them
    ByteBuffer header = ByteBuffer.allocate(17).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(40);
    header.putInt(TfRecords.maskedCrc(header.array(), 0, 8));
    header.put(new byte[] {9, 9, 9, 9, 9});
    byte[] torn = header.array();
    Files.write(file, torn, StandardOpenOption.APPEND);
    TensorBoardScalars.Series lr = TensorBoardScalars.read(run).series(ScalarTags.LR);
    assertArrayEquals(new long[] {1, 2}, lr.steps());
    assertArrayEquals(new double[] {0.5, 0.25}, lr.values(), 0);
    assertTrue(Files.size(file) == whole.length + torn.length);
  }

  @Test
  void aDamagedRecordEndsTheFileButNotTheFolder() throws IOException {
    Path run = tmp.resolve("damaged");
    Path file = twoLearningRates(run);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 6] ^= 0x55; // inside the last record's payload: its crc no longer matches
    Files.write(file, bytes);
    TensorBoardScalars.Series lr = TensorBoardScalars.read(run).series(ScalarTags.LR);
    assertArrayEquals(new long[] {1}, lr.steps());
    assertArrayEquals(new double[] {0.5}, lr.values(), 0);
  }

  @Test
  void aFolderWithoutEventFilesHasNoCurves() throws IOException {
    TensorBoardScalars none = TensorBoardScalars.read(Files.createDirectories(tmp.resolve("empty")));
    assertEquals(List.of(), List.copyOf(none.tags()));
    assertEquals(0, none.lastStep());
    assertEquals(0, TensorBoardScalars.read(tmp.resolve("missing")).tags().size());
  }

  /** An event file in {@code run} holding lr 0.5 at step 1 and 0.25 at step 2; returns the file. */
  private static Path twoLearningRates(Path run) throws IOException {
    try (TensorBoardWriter tb = new TensorBoardWriter(run)) {
      tb.scalar(ScalarTags.LR, 1, 0.5);
      tb.scalar(ScalarTags.LR, 2, 0.25);
    }
    return TensorBoardScalars.eventFiles(run).get(0);
  }
}
