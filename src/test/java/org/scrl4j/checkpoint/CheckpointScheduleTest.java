package org.scrl4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CheckpointScheduleTest {
  private final AtomicLong now = new AtomicLong(1_000);

  @Test
  void snapshotsEveryIntervalAndAtTheEnd() {
    CheckpointSchedule s = new CheckpointSchedule(40, 200, 0, now::get);
    assertEquals(java.util.List.of(40, 80, 120, 160, 200),
        IntStream.rangeClosed(1, 200).filter(s::isSnapshot).boxed().toList());
    CheckpointSchedule odd = new CheckpointSchedule(10, 25, 0, now::get);
    assertEquals(java.util.List.of(10, 20, 25), IntStream.rangeClosed(1, 25).filter(odd::isSnapshot).boxed().toList());
  }

  @Test
  void midEpochSavesFollowTheClock() {
    CheckpointSchedule s = new CheckpointSchedule(1, 10, 30, now::get);
    now.addAndGet(29L * 60_000_000_000L);
    assertFalse(s.midEpochSaveDue());
    now.addAndGet(60_000_000_000L);
    assertTrue(s.midEpochSaveDue());
    s.saved();
    assertFalse(s.midEpochSaveDue());
    CheckpointSchedule never = new CheckpointSchedule(1, 10, 0, now::get);
    now.addAndGet(Long.MAX_VALUE / 4);
    assertFalse(never.midEpochSaveDue());
    assertThrows(IllegalArgumentException.class, () -> new CheckpointSchedule(0, 10, 0, now::get));
  }
}
