package org.scrl4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scrl4j.common.UserError;

class NpzTest {
  @TempDir Path dir;

  private static Path resource(String name) throws Exception {
    return Path.of(NpzTest.class.getResource("/io/" + name).toURI());
  }

  @Test
  void readsAFileWrittenByNumpy() throws Exception {
    Map<String, NpyArray> a = Npz.read(resource("numpy_written.npz"));
    assertEquals(List.of("f4", "f8", "i8", "i4", "b1", "u1", "scalar", "empty",
        "grad/layer1.0.conv1.weight", "info_json"), List.copyOf(a.keySet()));
    float[] f4 = a.get("f4").floats();
    assertArrayEquals(new long[] {2, 3, 4}, a.get("f4").shape());
    for (int i = 0; i < 24; i++) {
      assertEquals(i * 0.5f - 3, f4[i]); // np.arange(24).reshape(2,3,4)*0.5-3, row-major
    }
    assertArrayEquals(new double[] {1.5, -2.25, 1e300}, a.get("f8").doubles());
    assertArrayEquals(new long[] {1, -2, 3, 1L << 40}, a.get("i8").longs());
    assertArrayEquals(new long[] {2, 2}, a.get("i8").shape());
    assertArrayEquals(new int[] {7, -8, 9}, a.get("i4").ints());
    assertArrayEquals(new boolean[] {true, false, true}, a.get("b1").booleans());
    assertArrayEquals(new byte[] {0, (byte) 255, (byte) 128, 7}, a.get("u1").bytes());
    assertEquals(0, a.get("scalar").rank());
    assertArrayEquals(new float[] {2.5f}, a.get("scalar").floats());
    assertArrayEquals(new long[] {0, 3}, a.get("empty").shape());
    assertEquals(1, a.get("grad/layer1.0.conv1.weight").size());
    assertEquals("{\"arch\": \"resnet18\", \"name\": \"\\u00dcn\\u00efcode \\u2713\"}", a.get("info_json").string());
  }

  @Test
  void roundTripsEveryDtype() {
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    arrays.put("online/w", NpyArray.of(new float[] {1f, -0f, Float.NaN, Float.MAX_VALUE, 1e-40f, -7f}, 3, 2));
    arrays.put("d", NpyArray.of(new double[] {Math.PI, -1e-300}, 2));
    arrays.put("l", NpyArray.of(new long[] {Long.MIN_VALUE, 5}, 2, 1));
    arrays.put("i", NpyArray.of(new int[] {Integer.MAX_VALUE}, 1, 1, 1));
    arrays.put("b", NpyArray.of(new boolean[] {false, true}, 2));
    arrays.put("u", NpyArray.ofBytes(new byte[] {(byte) 200, 3}, 2));
    arrays.put("s0", NpyArray.scalar(4f));
    arrays.put("text", NpyArray.of("Grüße 😀"));
    arrays.put("none", NpyArray.of(new float[0], 0, 5));
    Path f = dir.resolve("sub/rt.npz");
    Npz.write(f, arrays);
    Map<String, NpyArray> back = Npz.read(f);
    assertEquals(arrays, back);
    assertEquals(List.copyOf(arrays.keySet()), List.copyOf(back.keySet()));
  }

  @Test
  void headerIsNumpyV1AlignedTo64Bytes() {
    byte[] b = Npz.toNpy(NpyArray.of(new float[] {1, 2, 3}, 3));
    assertEquals(1, b[6]);
    int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    assertEquals(0, (10 + headerLen) % 64);
    String header = new String(b, 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII);
    assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), header);
    assertTrue(header.endsWith("\n"));
  }

  @Test
  void numpyReadsWhatJavaWrites() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
    Path f = dir.resolve("java.npz");
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    arrays.put("a/b.c", NpyArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    arrays.put("info_json", NpyArray.of("{\"k\": 1}"));
    arrays.put("s", NpyArray.of(new long[] {9}));
    Npz.write(f, arrays);
    Process p = new ProcessBuilder(python.toString(), "-c",
        "import numpy as np,sys; d=np.load(sys.argv[1]); "
            + "print(d['a/b.c'][1,2], d['a/b.c'].dtype, d['a/b.c'].shape, str(d['info_json']), d['s'].shape, int(d['s']))",
        f.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertEquals(0, p.waitFor(), out);
    assertEquals("6.0 float32 (2, 3) {\"k\": 1} () 9", out);
  }

  @Test
  void clearErrorsForBadFiles() throws Exception {
    UserError missing = assertThrows(UserError.class, () -> Npz.read(dir.resolve("nope.npz")));
    assertTrue(missing.getMessage().contains("nope.npz"), missing.getMessage());
    Path junk = dir.resolve("junk.npz");
    Files.writeString(junk, "not a zip");
    assertThrows(UserError.class, () -> Npz.read(junk));
    UserError bad = assertThrows(UserError.class, () -> Npz.parseNpy(new byte[] {1, 2, 3}, "x.npy"));
    assertTrue(bad.getMessage().contains("x.npy"));
    assertThrows(IllegalArgumentException.class, () -> NpyArray.of(new float[3], 2, 2));
  }

  /** Equal arrays give equal files (checkpoint comparisons by bytes): no wall-clock time inside. */
  @Test
  void entriesCarryTheFixedDosTimeOf1980() throws Exception {
    Map<String, NpyArray> m = new LinkedHashMap<>();
    m.put("a", NpyArray.of(new float[] {1, 2}, 2));
    m.put("b", NpyArray.of(new long[] {3}));
    Path f = dir.resolve("t.npz");
    Npz.write(f, m);
    byte[] bytes = Files.readAllBytes(f);
    int entries = 0;
    for (int i = 0; i + 30 <= bytes.length; i++) {
      if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4) {
        // Local file header: mod time at +10 (0 = 00:00:00), mod date at +12 (0x0021 = 1980-01-01).
        assertArrayEquals(new byte[] {0, 0, 0x21, 0}, java.util.Arrays.copyOfRange(bytes, i + 10, i + 14));
        entries++;
      }
    }
    assertEquals(2, entries);
  }
}
