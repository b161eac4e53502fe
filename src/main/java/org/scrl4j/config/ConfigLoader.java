package org.scrl4j.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.scrl4j.common.NearestName;
import org.scrl4j.common.UserError;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Builds a {@link Config}: defaults, then the YAML file, then command-line overrides (the command
 * line wins). Unknown keys and wrong types are errors that name the key, its source and the nearest
 * valid key; the original silently created them.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** One {@code --a/b/c=value} from the command line. */
  public record Override(String path, String value) {}

  public static Config load(Path yamlFile, List<Override> overrides) {
    Map<String, Object> tree = ConfigSchema.toTree(Config.defaults());
    if (yamlFile != null) {
      applyYaml(tree, yamlFile);
    }
    for (Override o : overrides) {
      apply(tree, o);
    }
    Config config = ConfigSchema.fromTree(Config.class, tree);
    ConfigValidator.validate(config);
    return config;
  }

  /**
   * A config from YAML text, such as the copy a checkpoint keeps of its run's config; {@code where}
   * names the text in errors.
   */
  public static Config loadText(String yaml, String where) {
    Map<String, Object> tree = ConfigSchema.toTree(Config.defaults());
    applyYaml(tree, new StringReader(yaml), where);
    Config config = ConfigSchema.fromTree(Config.class, tree);
    ConfigValidator.validate(config);
    return config;
  }

  public static Config defaults() {
    return Config.defaults();
  }

  /**
   * {@code base} with {@code overrides} applied as if given on the command line (a run that
   * changes a value it derived, e.g. the per-process batch that keeps a checkpoint's global batch).
   */
  public static Config withOverrides(Config base, List<Override> overrides) {
    Map<String, Object> tree = ConfigSchema.toTree(base);
    for (Override o : overrides) {
      apply(tree, o);
    }
    Config config = ConfigSchema.fromTree(Config.class, tree);
    ConfigValidator.validate(config);
    return config;
  }

  private static void applyYaml(Map<String, Object> tree, Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      applyYaml(tree, reader, file.toString());
    } catch (NoSuchFileException e) {
      throw new UserError("config file not found: " + file + " (the shipped ones are in config/)");
    } catch (IOException e) {
      throw new UserError("cannot read config file " + file + ": " + e.getMessage());
    }
  }

  private static void applyYaml(Map<String, Object> tree, Reader reader, String file) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      root = new Yaml(options).compose(reader);
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark();
      throw new UserError("invalid YAML in " + file + (m == null ? "" : " line " + (m.getLine() + 1)
          + ", column " + (m.getColumn() + 1)) + ": " + e.getProblem());
    } catch (RuntimeException e) {
      throw new UserError("invalid YAML in " + file + ": " + e.getMessage());
    }
    if (root == null) {
      return; // an empty file sets nothing
    }
    if (!(root instanceof MappingNode map)) {
      throw new UserError(file + " line " + line(root) + ": a config file must be a mapping of keys");
    }
    applyMapping(tree, map, "", file);
  }

  @SuppressWarnings("unchecked")
  private static void applyMapping(Map<String, Object> tree, MappingNode map, String prefix,
      String file) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (NodeTuple tuple : map.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
        throw new UserError(file + " line " + line(tuple.getKeyNode()) + ": keys must be plain names");
      }
      String path = prefix + keyNode.getValue();
      String where = file + " line " + line(keyNode);
      if (!seen.add(keyNode.getValue())) {
        throw new UserError("config key '" + path + "' appears twice (" + where + ")");
      }
      Type type = ConfigSchema.typeAt(path);
      if (type == null) {
        throw unknownKey(path, where);
      }
      Node valueNode = tuple.getValueNode();
      if (ConfigSchema.isSection(type)) {
        if (valueNode instanceof MappingNode sub) {
          applyMapping((Map<String, Object>) tree.get(keyNode.getValue()), sub, path + "/", file);
        } else if (!isNull(valueNode)) {
          throw new UserError("config key '" + path + "' (" + where + ") is a section: it takes "
              + "indented keys, not a value");
        }
        continue;
      }
      tree.put(keyNode.getValue(), parseNode(type, valueNode, path, where));
    }
  }

  private static Object parseNode(Type type, Node node, String path, String where) {
    String text;
    if (node instanceof ScalarNode scalar) {
      text = isNull(node) ? null : scalar.getValue();
    } else if (node instanceof SequenceNode seq && type instanceof ParameterizedType) {
      List<String> parts = new ArrayList<>();
      for (Node item : seq.getValue()) {
        if (!(item instanceof ScalarNode s)) {
          throw wrongType(path, type, "a nested structure", where);
        }
        parts.add(s.getValue());
      }
      text = String.join(",", parts);
    } else {
      throw wrongType(path, type, node instanceof SequenceNode ? "a list" : "a mapping", where);
    }
    try {
      return ValueParser.parse(type, text);
    } catch (ValueParser.BadValue e) {
      throw wrongType(path, type, text == null ? "null" : "'" + text + "'", where);
    }
  }

  @SuppressWarnings("unchecked")
  private static void apply(Map<String, Object> tree, Override o) {
    String path = o.path();
    String where = "on the command line";
    Type type = ConfigSchema.typeAt(path);
    if (type == null) {
      throw unknownKey(path, where);
    }
    if (ConfigSchema.isSection(type)) {
      throw new UserError("'--" + path + "' is a section, not a value; set one of its keys, e.g. --"
          + firstLeafUnder(path));
    }
    String[] keys = path.split("/");
    Map<String, Object> node = tree;
    for (int i = 0; i < keys.length - 1; i++) {
      node = (Map<String, Object>) node.get(keys[i]);
    }
    try {
      node.put(keys[keys.length - 1], ValueParser.parse(type, o.value()));
    } catch (ValueParser.BadValue e) {
      throw wrongType(path, type, "'" + o.value() + "'", where);
    }
  }

  private static String firstLeafUnder(String section) {
    for (String p : ConfigSchema.allPaths()) {
      if (p.startsWith(section + "/") && !ConfigSchema.isSection(ConfigSchema.typeAt(p))) {
        return p;
      }
    }
    return section;
  }

  static UserError unknownKey(String path, String where) {
    if (path.equals("train/dtype")) {
      return new UserError("config key 'train/dtype' (" + where + ") was renamed to 'train/precision':"
          + " float32 | mixed_bfloat16 | mixed_float16");
    }
    return new UserError("unknown config key '" + path + "' (" + where + "); did you mean '"
        + NearestName.of(path, ConfigSchema.allPaths()) + "'?");
  }

  private static UserError wrongType(String path, Type type, String given, String where) {
    return new UserError("config key '" + path + "' expects " + ConfigSchema.describe(type)
        + ", got " + given + " (" + where + ")");
  }

  private static boolean isNull(Node node) {
    return node instanceof ScalarNode s && (Tag.NULL.equals(s.getTag()));
  }

  private static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }
}
