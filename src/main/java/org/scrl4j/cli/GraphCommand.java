package org.scrl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.method.GraphSummary;

/** {@code tools/scrl graph}: prints or writes the summary of a pre-training network graph. */
public final class GraphCommand implements Command {
  @Override
  public String name() {
    return "graph";
  }

  @Override
  public String summary() {
    return "summarise the network graph (layers, shapes, parameters, op types)";
  }

  @Override
  public int run(List<String> args) throws IOException {
    CommandFlags flags = new CommandFlags(name())
        .flag("arch", "ARCH", "resnet18 | resnet34 | resnet50 | resnet101 (required)")
        .flag("method", "METHOD", "byol | scrl (default byol)")
        .flag("width", "N", "base width of the first stage (default 64)")
        .flag("size", "N", "input image side in pixels (default 224)")
        .flag("hidden", "N", "projector/predictor hidden width (default 4096)")
        .flag("out-dim", "N", "projection output width (default 256)")
        .flag("classes", "N", "linear evaluator classes (default 1000)")
        .flag("out", "FILE", "write the summary to FILE instead of printing it");
    if (!flags.parse(args)) {
      return 0;
    }
    String method = flags.optional("method");
    String text = GraphSummary.summarize(new GraphSummary.Settings(flags.required("arch"),
        flags.positiveInt("width", 64), method == null ? "byol" : method, flags.positiveInt("size", 224),
        flags.positiveInt("hidden", 4096), flags.positiveInt("out-dim", 256),
        flags.positiveInt("classes", 1000)));
    String out = flags.optional("out");
    if (out == null) {
      System.out.print(text);
    } else {
      Path p = Path.of(out);
      if (p.toAbsolutePath().getParent() != null) {
        Files.createDirectories(p.toAbsolutePath().getParent());
      }
      Files.writeString(p, text);
      System.out.println("wrote " + p);
    }
    return 0;
  }
}
