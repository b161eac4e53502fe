package org.scrl4j.common;

import com.google.gson.FormattingStyle;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import java.util.Map;

/**
 * The project's one JSON reader and writer (over Gson): checkpoint {@code state.json} files, the
 * one-line results of {@code bench} and {@code verify-step}. Gson does the escaping and number
 * formatting that the hand-written writers got wrong or skipped.
 *
 * <p>Numbers read back as {@link Long} when integral and {@link Double} otherwise, so step
 * counters stay exact; doubles are written in their shortest round-trip form. NaN and infinities
 * are refused (JSON has no spelling for them), as is anything but strict JSON on reading.
 */
public final class Json {
  private static final Gson GSON = new GsonBuilder()
      .disableHtmlEscaping() // '<', '=' and '&' in a config text stay readable
      .serializeNulls() // a key set to null is said, not dropped
      .setStrictness(Strictness.STRICT)
      .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
      .create();
  private static final Gson PRETTY = GSON.newBuilder()
      .setFormattingStyle(FormattingStyle.PRETTY.withIndent("  ")).create();
  private static final Gson LINE = GSON.newBuilder()
      .setFormattingStyle(FormattingStyle.COMPACT.withSpaceAfterSeparators(true)).create();

  private Json() {}

  /** Pretty-printed, one key per line, ending with a newline: files people open. */
  public static String write(Object value) {
    return PRETTY.toJson(value) + "\n";
  }

  /** One line, {@code {"a": 1, "b": "x"}}: results printed for people and scripts alike. */
  public static String line(Object value) {
    return LINE.toJson(value);
  }

  /** One line without spaces, {@code {"a":1,"b":"x"}}. */
  public static String compact(Object value) {
    return GSON.toJson(value);
  }

  /**
   * Parses one JSON object, keys in file order.
   *
   * @throws IllegalArgumentException on anything malformed, trailing text included
   */
  public static Map<String, Object> readObject(String text) {
    try {
      Map<String, Object> m = GSON.fromJson(text, new TypeToken<Map<String, Object>>() {}.getType());
      if (m == null) {
        throw new IllegalArgumentException("empty JSON text, expected an object");
      }
      return m;
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
  }
}
