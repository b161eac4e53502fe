package org.scrl4j.config;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** Writes a config as YAML in the same layout as the files in config/. */
public final class ConfigPrinter {
  private ConfigPrinter() {}

  public static String toYaml(Config config) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setPrettyFlow(true);
    String yaml = new Yaml(options).dump(ConfigSchema.toTree(config));
    // Short lists such as crop_scale read better inline, as in the shipped files.
    return yaml.replaceAll("(?m)^(\\s*[a-z_]+):\\n\\s*- ([0-9.eE-]+)\\n\\s*- ([0-9.eE-]+)$", "$1: [$2, $3]");
  }
}
