package org.scrl4j.common;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes one flat JSON object whose values are strings, numbers, booleans or null: the
 * shape of a checkpoint's {@code state.json}. A tiny dedicated codec keeps numbers exact (longs stay
 * longs, doubles round-trip through their shortest decimal form), which a YAML 1.1 parser does not.
 */
public final class FlatJson {
  private FlatJson() {}

  /** Pretty-printed, one key per line, in the map's iteration order. */
  public static String write(Map<String, ?> fields) {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      sb.append("  ");
      quote(sb, e.getKey());
      sb.append(": ");
      Object v = e.getValue();
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
        sb.append(v);
      } else if (v instanceof Double || v instanceof Float) {
        double d = ((Number) v).doubleValue();
        if (!Double.isFinite(d)) {
          throw new IllegalArgumentException("JSON has no encoding for " + d + " (field " + e.getKey() + ")");
        }
        sb.append(Double.toString(d));
      } else if (v instanceof String s) {
        quote(sb, s);
      } else {
        throw new IllegalArgumentException("unsupported JSON value type " + v.getClass() + " for " + e.getKey());
      }
      sb.append(++i < fields.size() ? ",\n" : "\n");
    }
    return sb.append("}\n").toString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * Parses a flat object. Integral numbers become {@link Long}, others {@link Double}.
   *
   * @throws IllegalArgumentException on anything malformed (with the character offset)
   */
  public static Map<String, Object> read(String text) {
    return new Reader(text).object();
  }

  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    Map<String, Object> object() {
      Map<String, Object> out = new LinkedHashMap<>();
      expect('{');
      skipSpace();
      if (peek() == '}') {
        pos++;
      } else {
        while (true) {
          skipSpace();
          String key = string();
          skipSpace();
          expect(':');
          skipSpace();
          out.put(key, value());
          skipSpace();
          char c = next();
          if (c == '}') {
            break;
          }
          if (c != ',') {
            throw error("expected ',' or '}'");
          }
        }
      }
      skipSpace();
      if (pos != s.length()) {
        throw error("trailing text");
      }
      return out;
    }

    private Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (s.startsWith("true", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      String num = s.substring(start, pos);
      if (num.isEmpty()) {
        throw error("expected a value");
      }
      try {
        if (num.matches("-?\\d+")) {
          return Long.parseLong(num);
        }
        return Double.parseDouble(num);
      } catch (NumberFormatException e) {
        throw error("bad number '" + num + "'");
      }
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }

    private void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    private char peek() {
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      return s.charAt(pos);
    }

    private char next() {
      char c = peek();
      pos++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) {
        pos--;
        throw error("expected '" + c + "'");
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at offset " + pos);
    }
  }
}
