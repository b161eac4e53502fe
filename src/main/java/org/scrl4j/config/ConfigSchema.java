package org.scrl4j.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of the config tree, read off the record classes: which keys exist at each path and
 * what type each leaf has. Paths use '/' and snake_case, as on the command line.
 */
final class ConfigSchema {
  private ConfigSchema() {}

  /** The Java type of a leaf or section at {@code path}, or null when there is no such key. */
  static Type typeAt(String path) {
    Type type = Config.class;
    for (String key : path.split("/")) {
      if (!(type instanceof Class<?> c) || !c.isRecord()) {
        return null;
      }
      RecordComponent found = null;
      for (RecordComponent rc : c.getRecordComponents()) {
        if (snake(rc.getName()).equals(key)) {
          found = rc;
        }
      }
      if (found == null) {
        return null;
      }
      type = found.getGenericType();
    }
    return type;
  }

  static boolean isSection(Type type) {
    return type instanceof Class<?> c && c.isRecord();
  }

  /** Every path in the tree, sections and leaves, for "did you mean" suggestions. */
  static List<String> allPaths() {
    List<String> out = new ArrayList<>();
    collect(Config.class, "", out);
    return out;
  }

  private static void collect(Class<?> record, String prefix, List<String> out) {
    for (RecordComponent rc : record.getRecordComponents()) {
      String path = prefix + snake(rc.getName());
      out.add(path);
      if (rc.getType().isRecord()) {
        collect(rc.getType(), path + "/", out);
      }
    }
  }

  /** Names the expected type the way a user reads it in an error message. */
  static String describe(Type type) {
    if (type == boolean.class) {
      return "boolean (true/false/yes/no/1/0)";
    }
    if (type == int.class || type == long.class) {
      return "integer";
    }
    if (type == double.class) {
      return "number";
    }
    if (type == String.class) {
      return "string";
    }
    if (type instanceof ParameterizedType) {
      return "list of numbers, e.g. [0.2, 1.0]";
    }
    return "section";
  }

  /** The record as an ordered tree of snake_case keys (sections become nested maps). */
  static Map<String, Object> toTree(Record record) {
    Map<String, Object> tree = new LinkedHashMap<>();
    for (RecordComponent rc : record.getClass().getRecordComponents()) {
      Object value;
      try {
        value = rc.getAccessor().invoke(record);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      tree.put(snake(rc.getName()), value instanceof Record r ? toTree(r) : value);
    }
    return tree;
  }

  /** Builds the record of class {@code type} from a tree that has every key (defaults filled in). */
  @SuppressWarnings("unchecked")
  static <R extends Record> R fromTree(Class<R> type, Map<String, Object> tree) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent rc = components[i];
      types[i] = rc.getType();
      Object value = tree.get(snake(rc.getName()));
      args[i] = rc.getType().isRecord()
          ? fromTree((Class<Record>) rc.getType(), (Map<String, Object>) value)
          : value;
    }
    try {
      return type.getDeclaredConstructor(types).newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  /** batchSizeTrain -> batch_size_train. */
  static String snake(String camel) {
    StringBuilder sb = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }
}
