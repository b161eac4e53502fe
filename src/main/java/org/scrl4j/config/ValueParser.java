package org.scrl4j.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns the text of a YAML scalar or a command-line value into the type a config key has. */
final class ValueParser {
  private ValueParser() {}

  /** Thrown with no message text of its own; the caller names the key and the source. */
  static final class BadValue extends Exception {
    BadValue() {
      super(null, null, false, false);
    }
  }

  /** @param text the value; null for YAML null */
  static Object parse(Type type, String text) throws BadValue {
    if (type == String.class) {
      return text == null || text.equalsIgnoreCase("null") || text.equals("~") ? null : text;
    }
    if (text == null) {
      throw new BadValue();
    }
    String t = text.trim();
    try {
      if (type == boolean.class) {
        return switch (t.toLowerCase(Locale.ROOT)) {
          case "true", "yes", "1" -> true;
          case "false", "no", "0" -> false;
          default -> throw new BadValue();
        };
      }
      if (type == int.class) {
        return Integer.parseInt(t);
      }
      if (type == long.class) {
        return Long.parseLong(t);
      }
      if (type == double.class) {
        double d = Double.parseDouble(t);
        if (!Double.isFinite(d)) {
          throw new BadValue();
        }
        return d;
      }
    } catch (NumberFormatException e) {
      throw new BadValue();
    }
    if (type instanceof ParameterizedType) {
      String body = t.startsWith("[") && t.endsWith("]") ? t.substring(1, t.length() - 1) : t;
      List<Double> list = new ArrayList<>();
      for (String part : body.split(",")) {
        if (!part.isBlank()) {
          list.add((Double) parse(double.class, part));
        }
      }
      return List.copyOf(list);
    }
    throw new BadValue();
  }
}
