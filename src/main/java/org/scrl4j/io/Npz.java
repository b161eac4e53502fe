package org.scrl4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.scrl4j.common.UserError;

/**
 * numpy's .npz (a zip of .npy files, one per key) and .npy v1.0 format, row-major little-endian.
 * Writes uncompressed archives like {@code np.savez}; reads stored or deflated ones and .npy
 * versions 1-3.
 */
public final class Npz {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npz() {}

  /** All arrays of an .npz file, in file order, keyed without the {@code .npy} suffix. */
  public static Map<String, NpyArray> read(Path file) {
    Map<String, NpyArray> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (e.isDirectory()) {
          continue;
        }
        String key = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
        try (InputStream in = zip.getInputStream(e)) {
          out.put(key, parseNpy(in.readAllBytes(), file + ":" + e.getName()));
        }
      }
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new UserError("no such .npz file: " + file);
    } catch (java.util.zip.ZipException e) {
      throw new UserError(file + " is not an .npz (zip) file: " + e.getMessage());
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static final java.time.LocalDateTime ENTRY_TIME = java.time.LocalDateTime.of(1980, 1, 1, 0, 0);

  /** Writes an uncompressed .npz with one {@code <key>.npy} entry per array, in map order. */
  public static void write(Path file, Map<String, NpyArray> arrays) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      // Write next to the target and move, so a crash never leaves a truncated archive behind.
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (OutputStream fos = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(fos)) {
        for (Map.Entry<String, NpyArray> a : arrays.entrySet()) {
          byte[] bytes = toNpy(a.getValue());
          ZipEntry e = new ZipEntry(a.getKey() + ".npy");
          e.setMethod(ZipEntry.STORED);
          // A fixed entry time (numpy's savez uses the same): equal arrays give byte-identical files.
          e.setTimeLocal(ENTRY_TIME);
          e.setSize(bytes.length);
          e.setCompressedSize(bytes.length);
          CRC32 crc = new CRC32();
          crc.update(bytes);
          e.setCrc(crc.getValue());
          zip.putNextEntry(e);
          zip.write(bytes);
          zip.closeEntry();
        }
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * SHA-256 of the arrays, hex: over each name and its .npy bytes in name order, so the same
   * arrays give the same digest whatever the map order (and it matches across processes: a short
   * line to compare replicas by, where only rank 0 writes checkpoints).
   */
  public static String sha256(Map<String, NpyArray> arrays) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    for (String name : new TreeSet<>(arrays.keySet())) {
      digest.update(name.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(toNpy(arrays.get(name)));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Reads a single .npy file. */
  public static NpyArray readNpy(Path file) {
    try {
      return parseNpy(Files.readAllBytes(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new UserError("no such .npy file: " + file);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes a single .npy v1.0 file. */
  public static void writeNpy(Path file, NpyArray array) {
    try {
      Files.write(file, toNpy(array));
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The .npy v1.0 bytes of an array. */
  public static byte[] toNpy(NpyArray a) {
    String descr = a.dtype() == NpyArray.Dtype.UNICODE
        ? "<U" + Math.max(1, a.string().codePointCount(0, a.string().length()))
        : a.dtype().descr();
    StringBuilder shape = new StringBuilder("(");
    long[] dims = a.shape();
    for (int i = 0; i < dims.length; i++) {
      shape.append(dims[i]).append(i == 0 && dims.length == 1 ? "," : (i < dims.length - 1 ? ", " : ""));
    }
    shape.append(")");
    StringBuilder header = new StringBuilder(
        "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }");
    // numpy pads the header with spaces so the data starts on a 64-byte boundary, then a newline.
    int total = MAGIC.length + 4 + header.length() + 1;
    header.append(" ".repeat((64 - total % 64) % 64)).append('\n');
    byte[] head = header.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] payload = payload(a, descr);
    ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + head.length + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) head.length).put(head).put(payload);
    return buf.array();
  }

  private static byte[] payload(NpyArray a, String descr) {
    int n = (int) a.size();
    ByteBuffer b;
    switch (a.dtype()) {
      case F4 -> {
        b = le(n * 4L);
        b.asFloatBuffer().put(a.floats());
      }
      case F8 -> {
        b = le(n * 8L);
        b.asDoubleBuffer().put(a.doubles());
      }
      case I8 -> {
        b = le(n * 8L);
        b.asLongBuffer().put(a.longs());
      }
      case I4 -> {
        b = le(n * 4L);
        b.asIntBuffer().put(a.ints());
      }
      case B1 -> {
        b = le(n);
        boolean[] v = a.booleans();
        for (int i = 0; i < n; i++) {
          b.put(i, (byte) (v[i] ? 1 : 0));
        }
      }
      case U1 -> b = ByteBuffer.wrap(a.bytes().clone());
      case UNICODE -> {
        int[] cps = a.string().codePoints().toArray();
        int chars = Integer.parseInt(descr.substring(2));
        b = le(chars * 4L);
        b.asIntBuffer().put(cps);
      }
      default -> throw new IllegalStateException(a.dtype().toString());
    }
    return b.array();
  }

  private static ByteBuffer le(long bytes) {
    if (bytes > Integer.MAX_VALUE - 1024) {
      throw new UserError("array of " + bytes + " bytes is too large for one .npy entry (max 2 GiB)");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Parses .npy bytes; {@code where} names the source in error messages. */
  public static NpyArray parseNpy(byte[] bytes, String where) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes.length <= i || bytes[i] != MAGIC[i]) {
        throw new UserError(where + " is not a .npy array (bad magic)");
      }
    }
    int major = bytes[6];
    int headerLen;
    int offset;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(buf.getShort(8));
      offset = 10;
    } else if (major == 2 || major == 3) {
      headerLen = buf.getInt(8);
      offset = 12;
    } else {
      throw new UserError(where + ": unsupported .npy version " + major);
    }
    String header = new String(bytes, offset, headerLen,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) {
      throw new UserError(where + ": malformed .npy header " + header.trim());
    }
    if (f.group(1).equals("True")) {
      throw new UserError(where + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
    }
    List<Long> dimList = new ArrayList<>();
    for (String part : s.group(1).split(",")) {
      if (!part.isBlank()) {
        dimList.add(Long.parseLong(part.trim()));
      }
    }
    long[] shape = dimList.stream().mapToLong(Long::longValue).toArray();
    long count = NpyArray.elementCount(shape);
    String descr = d.group(1);
    ByteBuffer data = ByteBuffer.wrap(bytes, offset + headerLen, bytes.length - offset - headerLen)
        .slice().order(ByteOrder.LITTLE_ENDIAN);
    int n = (int) count;
    if (descr.startsWith("<U") || descr.startsWith("=U")) {
      if (shape.length != 0) {
        throw new UserError(where + ": only 0-d unicode arrays are supported, got shape " + dimList);
      }
      int chars = Integer.parseInt(descr.substring(2));
      requireBytes(data, chars * 4L, where);
      int[] cps = new int[chars];
      data.asIntBuffer().get(cps);
      int len = chars;
      while (len > 0 && cps[len - 1] == 0) {
        len--; // numpy pads shorter strings with NULs
      }
      return NpyArray.of(new String(cps, 0, len));
    }
    switch (descr) {
      case "<f4", "=f4" -> {
        requireBytes(data, n * 4L, where);
        float[] v = new float[n];
        data.asFloatBuffer().get(v);
        return new NpyArray(NpyArray.Dtype.F4, shape, v);
      }
      case "<f8", "=f8" -> {
        requireBytes(data, n * 8L, where);
        double[] v = new double[n];
        data.asDoubleBuffer().get(v);
        return new NpyArray(NpyArray.Dtype.F8, shape, v);
      }
      case "<i8", "=i8" -> {
        requireBytes(data, n * 8L, where);
        long[] v = new long[n];
        data.asLongBuffer().get(v);
        return new NpyArray(NpyArray.Dtype.I8, shape, v);
      }
      case "<i4", "=i4" -> {
        requireBytes(data, n * 4L, where);
        int[] v = new int[n];
        data.asIntBuffer().get(v);
        return new NpyArray(NpyArray.Dtype.I4, shape, v);
      }
      case "|b1" -> {
        requireBytes(data, n, where);
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = data.get(i) != 0;
        }
        return new NpyArray(NpyArray.Dtype.B1, shape, v);
      }
      case "|u1" -> {
        requireBytes(data, n, where);
        byte[] v = new byte[n];
        data.get(v);
        return new NpyArray(NpyArray.Dtype.U1, shape, v);
      }
      default -> throw new UserError(where + ": unsupported dtype '" + descr
          + "' (supported: <f4 <f8 <i8 <i4 |b1 |u1 and 0-d <U strings)");
    }
  }

  private static void requireBytes(ByteBuffer data, long needed, String where) {
    if (data.remaining() < needed) {
      throw new UserError(where + ": truncated .npy data (" + data.remaining() + " bytes, need " + needed + ")");
    }
  }
}
