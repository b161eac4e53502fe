package org.scrl4j.cli;

import java.util.List;
import org.scrl4j.UserError;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigCommandLine;
import org.scrl4j.config.ConfigPrinter;

/** {@code tools/scrl [train] --config FILE [overrides]}: pre-training then linear evaluation. */
public final class TrainCommand implements Command {
  @Override
  public String name() {
    return "train";
  }

  @Override
  public String summary() {
    return "pre-train BYOL/SCRL, then linear evaluation (the default command)";
  }

  @Override
  public int run(List<String> args) throws Exception {
    ConfigCommandLine.Parsed parsed = ConfigCommandLine.parse(args);
    if (parsed.help()) {
      System.out.print(ConfigCommandLine.help("tools/scrl [train] --config FILE [--a/b/c=value ...]"));
      return 0;
    }
    Config config = parsed.load();
    if (parsed.printConfig()) {
      System.out.print(ConfigPrinter.toYaml(config));
      return 0;
    }
    throw new UserError("training is not wired into this build yet; use --print-config to see the config");
  }
}
