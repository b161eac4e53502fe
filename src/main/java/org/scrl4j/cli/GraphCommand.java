package org.scrl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.scrl4j.UserError;
import org.scrl4j.model.GraphSummary;

/** {@code tools/scrl graph}: prints or writes the summary of a pre-training network graph. */
public final class GraphCommand implements Command {
  private static final String USAGE = "usage: tools/scrl graph --arch resnet18|resnet34|resnet50|resnet101"
      + " [--method byol|scrl] [--width 64] [--size 224] [--hidden 4096] [--out-dim 256] [--classes 1000]"
      + " [--out FILE]";

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
    String arch = null;
    String method = "byol";
    String out = null;
    int width = 64;
    int size = 224;
    long hidden = 4096;
    long outDim = 256;
    int classes = 1000;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println(USAGE);
        return 0;
      }
      String flag = a;
      String value;
      int eq = a.indexOf('=');
      if (eq > 0) {
        flag = a.substring(0, eq);
        value = a.substring(eq + 1);
      } else {
        if (i + 1 >= args.size()) {
          throw new UserError("flag " + a + " needs a value; " + USAGE);
        }
        value = args.get(++i);
      }
      switch (flag) {
        case "--arch" -> arch = value;
        case "--method" -> method = value;
        case "--out" -> out = value;
        case "--width" -> width = positive(flag, value);
        case "--size" -> size = positive(flag, value);
        case "--hidden" -> hidden = positive(flag, value);
        case "--out-dim" -> outDim = positive(flag, value);
        case "--classes" -> classes = positive(flag, value);
        default -> throw new UserError("unknown flag '" + flag + "' for graph; " + USAGE);
      }
    }
    if (arch == null) {
      throw new UserError("graph needs --arch; " + USAGE);
    }
    String text = GraphSummary.summarize(new GraphSummary.Settings(arch, width, method, size, hidden, outDim, classes));
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

  private static int positive(String flag, String value) {
    try {
      int v = Integer.parseInt(value);
      if (v < 1) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new UserError(flag + " must be a positive integer, got '" + value + "'");
    }
  }
}
