package org.scrl4j.data;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scrl4j.UserError;
import org.scrl4j.cli.Command;

/**
 * {@code tools/scrl convert --from folder|fashion-mnist --src DIR --out DIR --shards N [--force]}:
 * writes TFRecord shards in the standard ImageNet layout, train and validation splits.
 */
public final class ConvertCommand implements Command {
  static final String USAGE = """
      usage: tools/scrl convert --from folder|fashion-mnist --src DIR --out DIR --shards N [--force]
        --from folder         SRC/train/<class>/*.JPEG and SRC/val/<class>/*.JPEG (labels: sorted
                              class folder names)
        --from fashion-mnist  SRC holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                              t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz
                              (default SRC /usr/share/datasets/fashion-mnist)
        --out DIR             writes train-NNNNN-of-NNNNN, validation-NNNNN-of-NNNNN, labels.txt
        --shards N            train shards (validation gets proportionally fewer, at least 1)
        --threads N           parallel shard writers (default: all cores)
        --force               replace the shards of a non-empty DIR
      """;
  private static final Set<String> FLAGS = Set.of("from", "src", "out", "shards", "threads");

  @Override
  public String name() {
    return "convert";
  }

  @Override
  public String summary() {
    return "write a dataset (image folders or Fashion-MNIST) as ImageNet-layout TFRecord shards";
  }

  @Override
  public int run(List<String> args) {
    Map<String, String> values = new HashMap<>();
    boolean force = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        System.out.print(USAGE);
        return 0;
      }
      if (a.equals("--force")) {
        force = true;
        continue;
      }
      if (!a.startsWith("--")) {
        throw new UserError("convert: unexpected argument '" + a + "'; see tools/scrl convert --help");
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else {
        if (i + 1 >= args.size()) {
          throw new UserError("convert: --" + key + " needs a value");
        }
        value = args.get(++i);
      }
      if (!FLAGS.contains(key)) {
        throw new UserError("convert: unknown flag --" + key + "; flags: --from --src --out"
            + " --shards --threads --force");
      }
      values.put(key, value);
    }
    String from = values.get("from");
    if (from == null) {
      throw new UserError("convert: --from folder|fashion-mnist is required");
    }
    if (!from.equals("folder") && !from.equals("fashion-mnist")) {
      throw new UserError("convert: --from " + from + " is not one of folder, fashion-mnist");
    }
    String src = values.get("src");
    if (src == null) {
      if (!from.equals("fashion-mnist")) {
        throw new UserError("convert: --src DIR is required");
      }
      src = "/usr/share/datasets/fashion-mnist";
    }
    String out = values.get("out");
    if (out == null) {
      throw new UserError("convert: --out DIR is required");
    }
    int shards = intFlag(values, "shards", -1);
    if (shards < 1) {
      throw new UserError("convert: --shards N (at least 1) is required");
    }
    int threads = intFlag(values, "threads", Runtime.getRuntime().availableProcessors());
    DatasetConverter converter = new DatasetConverter(Path.of(out), shards, force, threads);
    if (from.equals("folder")) {
      converter.fromFolders(Path.of(src));
    } else {
      converter.fromFashionMnist(Path.of(src));
    }
    System.err.println("convert: wrote " + out);
    return 0;
  }

  private static int intFlag(Map<String, String> values, String key, int dflt) {
    String v = values.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UserError("convert: --" + key + " " + v + " is not a whole number");
    }
  }
}
