package org.scrl4j.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Reads the committed golden .npz files (float32 C-order entries) of make_backbone_golden.py. */
final class GoldenCase {
  private static final Pattern SHAPE = Pattern.compile("'shape': \\(([^)]*)\\)");

  private GoldenCase() {}

  static Map<String, FloatArray> load(String resource) throws IOException {
    Map<String, FloatArray> out = new LinkedHashMap<>();
    try (InputStream raw = GoldenCase.class.getResourceAsStream("/golden/export/" + resource);
        ZipInputStream zip = new ZipInputStream(raw)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        byte[] b = zip.readAllBytes();
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = buf.getShort(8) & 0xffff;
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
          throw new IOException("unexpected npy header " + header);
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
          throw new IOException("no shape in " + header);
        }
        long[] shape = java.util.Arrays.stream(m.group(1).split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        buf.position(10 + headerLen);
        float[] data = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(data);
        out.put(e.getName().replaceAll("\\.npy$", ""), new FloatArray(shape, data));
      }
    }
    return out;
  }

  static BackboneWeights weights(Map<String, FloatArray> golden) {
    return BackboneWeights.fromTorch(golden);
  }
}
