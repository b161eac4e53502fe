package org.scrl4j.export;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes Python pickle opcodes (protocol 3, the first with a raw-bytes opcode, read by every
 * Python 3 pickle.load). The caller drives the stack machine: push values, then combine them with
 * {@link #tuple}, {@link #reduce}, {@link #build}, {@link #setItems}; {@link #numpyFloat32} does
 * the sequence numpy itself emits for an ndarray.
 */
final class PickleWriter implements AutoCloseable {
  private static final int PROTO = 0x80;
  private static final int STOP = '.';
  private static final int MARK = '(';
  private static final int EMPTY_DICT = '}';
  private static final int SETITEMS = 'u';
  private static final int BINUNICODE = 'X';
  private static final int GLOBAL = 'c';
  private static final int BININT = 'J';
  private static final int BININT1 = 'K';
  private static final int BININT2 = 'M';
  private static final int NONE = 'N';
  private static final int NEWTRUE = 0x88;
  private static final int NEWFALSE = 0x89;
  private static final int TUPLE = 't';
  private static final int EMPTY_TUPLE = ')';
  private static final int TUPLE1 = 0x85;
  private static final int TUPLE2 = 0x86;
  private static final int TUPLE3 = 0x87;
  private static final int REDUCE = 'R';
  private static final int BUILD = 'b';
  private static final int BINBYTES = 'B';
  private static final int BINPUT = 'q';
  private static final int LONG_BINPUT = 'r';
  private static final int BINGET = 'h';
  private static final int LONG_BINGET = 'j';

  private final DataOutputStream out;
  private int memoSize;
  private int reconstructMemo = -1;
  private int ndarrayMemo = -1;
  private int float32DtypeMemo = -1;

  PickleWriter(OutputStream out) throws IOException {
    this.out = new DataOutputStream(out);
    this.out.write(PROTO);
    this.out.write(3);
  }

  PickleWriter emptyDict() throws IOException {
    out.write(EMPTY_DICT);
    return this;
  }

  PickleWriter mark() throws IOException {
    out.write(MARK);
    return this;
  }

  /** Pops key/value pairs down to the mark into the dict below it. */
  PickleWriter setItems() throws IOException {
    out.write(SETITEMS);
    return this;
  }

  PickleWriter string(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(BINUNICODE);
    le32(b.length);
    out.write(b);
    return this;
  }

  PickleWriter bool(boolean v) throws IOException {
    out.write(v ? NEWTRUE : NEWFALSE);
    return this;
  }

  PickleWriter none() throws IOException {
    out.write(NONE);
    return this;
  }

  PickleWriter integer(long v) throws IOException {
    if (v >= 0 && v < 256) {
      out.write(BININT1);
      out.write((int) v);
    } else if (v >= 0 && v < 65536) {
      out.write(BININT2);
      out.write((int) (v & 0xff));
      out.write((int) (v >>> 8));
    } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      out.write(BININT);
      le32((int) v);
    } else {
      throw new IllegalArgumentException("integer " + v + " needs LONG1, not written here");
    }
    return this;
  }

  PickleWriter global(String module, String name) throws IOException {
    out.write(GLOBAL);
    out.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    return this;
  }

  /** Packs the top {@code n} values (or, for n < 0, everything down to the mark) into a tuple. */
  PickleWriter tuple(int n) throws IOException {
    switch (n) {
      case 0 -> out.write(EMPTY_TUPLE);
      case 1 -> out.write(TUPLE1);
      case 2 -> out.write(TUPLE2);
      case 3 -> out.write(TUPLE3);
      default -> out.write(TUPLE);
    }
    return this;
  }

  /** callable, args -> callable(*args). */
  PickleWriter reduce() throws IOException {
    out.write(REDUCE);
    return this;
  }

  /** obj, state -> obj.__setstate__(state). */
  PickleWriter build() throws IOException {
    out.write(BUILD);
    return this;
  }

  /** Remembers the top of the stack under the returned index. */
  int put() throws IOException {
    int i = memoSize++;
    if (i < 256) {
      out.write(BINPUT);
      out.write(i);
    } else {
      out.write(LONG_BINPUT);
      le32(i);
    }
    return i;
  }

  PickleWriter get(int i) throws IOException {
    if (i < 256) {
      out.write(BINGET);
      out.write(i);
    } else {
      out.write(LONG_BINGET);
      le32(i);
    }
    return this;
  }

  /** Python bytes holding the floats little-endian (numpy's '<f4' buffer). */
  PickleWriter float32Bytes(float[] data) throws IOException {
    long n = 4L * data.length;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("array of " + data.length + " floats exceeds BINBYTES");
    }
    out.write(BINBYTES);
    le32((int) n);
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : data) {
      if (!buf.hasRemaining()) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      buf.putFloat(f);
    }
    out.write(buf.array(), 0, buf.position());
    return this;
  }

  /**
   * A float32 C-order numpy.ndarray, as numpy pickles one:
   * {@code _reconstruct(ndarray, (0,), b'b')} then {@code __setstate__((1, shape, dtype('<f4'),
   * False, raw))}. The two globals and the dtype are memoised and shared by later arrays.
   */
  PickleWriter numpyFloat32(long[] shape, float[] data) throws IOException {
    if (reconstructMemo < 0) {
      global("numpy.core.multiarray", "_reconstruct");
      reconstructMemo = put();
      global("numpy", "ndarray");
      ndarrayMemo = put();
    } else {
      get(reconstructMemo);
      get(ndarrayMemo);
    }
    integer(0).tuple(1);
    out.write('C'); // SHORT_BINBYTES b'b'
    out.write(1);
    out.write('b');
    tuple(3).reduce();
    mark().integer(1);
    boolean marked = shape.length > 3; // TUPLE1..3 have no mark; longer tuples need one
    if (marked) {
      mark();
    }
    for (long d : shape) {
      integer(d);
    }
    tuple(marked ? -1 : shape.length);
    float32Dtype();
    bool(false).float32Bytes(data).tuple(-1).build();
    return this;
  }

  private void float32Dtype() throws IOException {
    if (float32DtypeMemo >= 0) {
      get(float32DtypeMemo);
      return;
    }
    global("numpy", "dtype").string("f4").bool(false).bool(true).tuple(3).reduce();
    // dtype state: (version 3, byte order '<', subarray, names, fields, elsize, alignment, flags)
    mark().integer(3).string("<").none().none().none().integer(-1).integer(-1).integer(0).tuple(-1).build();
    float32DtypeMemo = put();
  }

  PickleWriter stop() throws IOException {
    out.write(STOP);
    return this;
  }

  private void le32(int v) throws IOException {
    out.write(v & 0xff);
    out.write((v >>> 8) & 0xff);
    out.write((v >>> 16) & 0xff);
    out.write((v >>> 24) & 0xff);
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
