package org.scrl4j.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * TFRecord framing: {@code uint64 length, uint32 masked_crc32c(length), bytes data,
 * uint32 masked_crc32c(data)}, all little-endian. Writing, scanning (record boundaries only) and
 * random-access reading of single records.
 */
public final class TfRecords {
  private static final int MASK_DELTA = 0xa282ead8;

  private TfRecords() {}

  /** The CRC32C of {@code data[off, off+len)}, masked as TFRecord stores it. */
  public static int maskedCrc(byte[] data, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(data, off, len);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  /** Appends one framed record to {@code out}. */
  public static void write(OutputStream out, byte[] data) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(data.length);
    header.putInt(maskedCrc(header.array(), 0, 8));
    out.write(header.array());
    out.write(data);
    ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    footer.putInt(maskedCrc(data, 0, data.length));
    out.write(footer.array());
  }

  /** Receives the position of each record's payload while a file is scanned. */
  public interface RecordVisitor {
    void record(long dataOffset, long dataLength);
  }

  /**
   * Walks the record headers of a file without reading the payloads (a seek per record), checking
   * each length's CRC, and reports where every payload lies.
   *
   * @return the number of records
   * @throws CorruptRecordException when the framing is broken (bad length CRC, truncated file)
   */
  public static long scan(Path file, RecordVisitor visitor) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long pos = 0;
      long count = 0;
      ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
      while (pos < size) {
        header.clear();
        readFully(ch, header, pos);
        long length = header.getLong(0);
        int crc = header.getInt(8);
        if (crc != maskedCrc(header.array(), 0, 8)) {
          throw new CorruptRecordException(file, pos, "record header CRC mismatch");
        }
        long end = pos + 12 + length + 4;
        if (length < 0 || end > size) {
          throw new CorruptRecordException(file, pos, "record of " + length
              + " bytes runs past the end of the file (" + size + " bytes); the file is truncated");
        }
        visitor.record(pos + 12, length);
        pos = end;
        count++;
      }
      return count;
    } catch (EOFException e) {
      throw new CorruptRecordException(file, -1, "the file ends inside a record header");
    }
  }

  /** Reads the payload of one record, verifying its CRC. */
  public static byte[] read(Path file, long dataOffset, long dataLength) throws IOException {
    if (dataLength > Integer.MAX_VALUE - 8) {
      throw new CorruptRecordException(file, dataOffset - 12, "record of " + dataLength
          + " bytes is too large");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate((int) dataLength + 4).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, buf, dataOffset);
      byte[] data = new byte[(int) dataLength];
      System.arraycopy(buf.array(), 0, data, 0, data.length);
      if (buf.getInt((int) dataLength) != maskedCrc(data, 0, data.length)) {
        throw new CorruptRecordException(file, dataOffset - 12, "record data CRC mismatch");
      }
      return data;
    }
  }

  /**
   * The next record's payload from a stream read front to back (TensorBoard's event files use
   * the same framing), with both CRCs checked; null at the end of the stream.
   *
   * @throws CorruptRecordException when a CRC or the length is bad
   * @throws EOFException when the stream ends inside a record (its writer was stopped)
   */
  public static byte[] next(DataInputStream in, Path file) throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    byte[] header = new byte[12];
    header[0] = (byte) first;
    in.readFully(header, 1, 11);
    ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    long length = h.getLong(0);
    if (h.getInt(8) != maskedCrc(header, 0, 8) || length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new CorruptRecordException(file, -1, "damaged record header");
    }
    byte[] data = new byte[(int) length];
    in.readFully(data);
    if (Integer.reverseBytes(in.readInt()) != maskedCrc(data, 0, data.length)) {
      throw new CorruptRecordException(file, -1, "damaged record");
    }
    return data;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new EOFException();
      }
    }
  }

  /** A record whose framing or payload is damaged; names the file and byte offset. */
  public static final class CorruptRecordException extends IOException {
    public CorruptRecordException(Path file, long offset, String what) {
      super(file + (offset >= 0 ? " at byte " + offset : "") + ": " + what);
    }
  }
}
