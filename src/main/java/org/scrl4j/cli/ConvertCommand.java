package org.scrl4j.cli;

import java.nio.file.Path;
import java.util.List;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.UserError;
import org.scrl4j.data.DatasetConverter;

/**
 * {@code tools/scrl convert --from folder|fashion-mnist --src DIR --out DIR --shards N [--force]}:
 * writes TFRecord shards in the standard ImageNet layout, train and validation splits.
 */
public final class ConvertCommand implements Command {
  private static final String FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

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
    CommandFlags flags = new CommandFlags(name())
        .flag("from", "folder|fashion-mnist", "folder: SRC/train/<class>/*.JPEG and SRC/val/<class>/*.JPEG"
            + " (labels: sorted class folder names); fashion-mnist: SRC holds train-images-idx3-ubyte.gz,"
            + " train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz")
        .flag("src", "DIR", "the source (default for fashion-mnist: " + FASHION_MNIST + ")")
        .flag("out", "DIR", "writes train-NNNNN-of-NNNNN, validation-NNNNN-of-NNNNN, labels.txt")
        .flag("shards", "N", "train shards (validation gets proportionally fewer, at least 1)")
        .flag("threads", "N", "parallel shard writers (default: all cores)")
        .toggle("force", "replace the shards of a non-empty DIR");
    if (!flags.parse(args)) {
      return 0;
    }
    String from = flags.required("from");
    if (!from.equals("folder") && !from.equals("fashion-mnist")) {
      throw new UserError("convert: --from " + from + " is not one of folder, fashion-mnist");
    }
    String src = flags.optional("src");
    if (src == null) {
      if (!from.equals("fashion-mnist")) {
        throw new UserError("convert: --src DIR is required");
      }
      src = FASHION_MNIST;
    }
    Path out = flags.path("out");
    int shards = flags.positiveInt("shards", -1);
    if (shards < 1) {
      throw new UserError("convert: --shards N (at least 1) is required");
    }
    int threads = flags.positiveInt("threads", Runtime.getRuntime().availableProcessors());
    DatasetConverter converter = new DatasetConverter(out, shards, flags.isSet("force"), threads);
    if (from.equals("folder")) {
      converter.fromFolders(Path.of(src));
    } else {
      converter.fromFashionMnist(Path.of(src));
    }
    System.err.println("convert: wrote " + out);
    return 0;
  }
}
