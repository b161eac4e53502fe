package org.scrl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

class TensorBoardWriterTest {
  @TempDir Path tmp;

  record Scalar(String tag, long step, float value) {}

  @Test
  void writesScalarsTensorBoardCanRead() throws IOException {
    Path dir = tmp.resolve("run_000");
    List<Scalar> expected = new ArrayList<>();
    try (TensorBoardWriter tb = new TensorBoardWriter(dir)) {
      int ops = tb.graphOperationCount();
      for (long s = 0; s < 50; s++) {
        final long step = s;
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("loss/total", 4.0 / (step + 1));
        v.put("lr", 0.45 * step / 49);
        v.put("m", 0.97 + step * 1e-4);
        tb.scalars(step, v);
        v.forEach((k, x) -> expected.add(new Scalar(k, step, x.floatValue())));
      }
      tb.scalar("eval/online_top1", 49, 12.5);
      expected.add(new Scalar("eval/online_top1", 49, 12.5f));
      assertEquals(ops, tb.graphOperationCount(), "writing must not grow the graph");

      tb.flush();
      assertEquals(expected, scalars(readEvents(eventFile(dir))), "flush makes everything visible");
      tb.scalar("images_per_sec", 50, Double.NaN);
    }
    List<Event> events = readEvents(eventFile(dir));
    assertEquals("brain.Event:2", events.get(0).getFileVersion());
    List<Scalar> all = scalars(events);
    assertEquals(expected.size() + 1, all.size());
    Scalar last = all.get(all.size() - 1);
    assertEquals("images_per_sec", last.tag());
    assertTrue(Float.isNaN(last.value()));
  }

  @Test
  void restartAtWritesASessionStartMarker() throws IOException {
    Path dir = tmp.resolve("resumed");
    try (TensorBoardWriter tb = new TensorBoardWriter(dir)) {
      tb.restartAt(1200);
      tb.scalar("lr", 1200, 0.5);
    }
    List<Event> events = readEvents(eventFile(dir));
    Event start = events.get(1);
    // TensorBoard drops points at or after the marker's step: the checkpoint's own step 1200
    // (its last scalars, its epoch's validation top-1) must survive the resume
    assertEquals(1201, start.getStep());
    assertEquals(org.tensorflow.proto.SessionLog.SessionStatus.START, start.getSessionLog().getStatus());
    assertEquals(List.of(new Scalar("lr", 1200, 0.5f)), scalars(events));
  }

  @Test
  void unwritableDirectoryIsAUserError() throws IOException {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    org.scrl4j.common.UserError e = org.junit.jupiter.api.Assertions.assertThrows(org.scrl4j.common.UserError.class,
        () -> new TensorBoardWriter(file.resolve("tb")));
    assertTrue(e.getMessage().contains("TensorBoard"), e.getMessage());
  }

  private static Path eventFile(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
      assertEquals(1, files.size(), files::toString);
      assertTrue(files.get(0).toString().endsWith(".v2"));
      return files.get(0);
    }
  }

  private static List<Scalar> scalars(List<Event> events) {
    List<Scalar> out = new ArrayList<>();
    for (Event e : events) {
      if (e.hasSummary()) {
        for (Summary.Value v : e.getSummary().getValueList()) {
          out.add(new Scalar(v.getTag(), e.getStep(), scalarOf(v)));
        }
      }
    }
    return out;
  }

  /** TF 2 kernels store scalars as a rank-0 float tensor; older ones as simple_value. */
  private static float scalarOf(Summary.Value v) {
    if (v.hasTensor()) {
      var t = v.getTensor();
      if (t.getFloatValCount() == 1) {
        return t.getFloatVal(0);
      }
      return t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }
    return v.getSimpleValue();
  }

  /** TFRecord framing: u64 length, masked crc32c(length), data, masked crc32c(data). */
  static List<Event> readEvents(Path file) throws IOException {
    List<Event> events = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      while (true) {
        byte[] header = new byte[12];
        try {
          in.readFully(header);
        } catch (EOFException end) {
          return events;
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getLong(0);
        assertEquals(maskedCrc(header, 0, 8), h.getInt(8), "length crc");
        byte[] data = new byte[Math.toIntExact(length)];
        in.readFully(data);
        byte[] footer = new byte[4];
        in.readFully(footer);
        assertEquals(maskedCrc(data, 0, data.length), ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt(),
            "data crc");
        events.add(Event.parseFrom(data));
      }
    }
  }

  private static int maskedCrc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    int crc = (int) c.getValue();
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }
}
