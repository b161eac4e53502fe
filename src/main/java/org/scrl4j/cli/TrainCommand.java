package org.scrl4j.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.config.Config;
import org.scrl4j.config.ConfigCommandLine;
import org.scrl4j.config.ConfigPrinter;
import org.scrl4j.dist.DistContext;
import org.scrl4j.dist.DistSettings;
import org.scrl4j.dist.LocalReplicas;
import org.scrl4j.train.Experiment;

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
    ConfigCommandLine.Parsed parsed = ConfigCommandLine.parse(
        new CommandFlags(name()).usage("tools/scrl [train] --config FILE [--a/b/c=value ...]"), args);
    if (parsed.help()) {
      return 0; // printed
    }
    Config config = parsed.load();
    if (parsed.printConfig()) {
      System.out.print(ConfigPrinter.toYaml(config));
      return 0;
    }
    if (config.worldSize() == 1) {
      Experiment.run(config, configName(parsed.configFile()), DistContext.single());
      return 0;
    }
    // One timeout for every wait on another rank: start-up (rank 0 or the peers) and a collective
    // stuck on a live but silent replica. A killed replica is noticed in seconds regardless.
    Duration timeout = Duration.ofSeconds(config.distTimeoutSeconds());
    DistSettings settings = DistSettings.parse(config.numMachines(), config.machineRank(),
        config.numDevices(), LocalReplicas.localIndex(), config.distUrl(), deviceType(config))
        .withTimeouts(timeout, timeout);
    List<String> argv = new ArrayList<>(List.of(name()));
    argv.addAll(args);
    List<Process> siblings = LocalReplicas.spawnSiblings(settings, argv);
    try (DistContext dist = DistContext.start(settings)) {
      Experiment.run(config, configName(parsed.configFile()), dist);
      dist.finish();
    }
    for (Process p : siblings) {
      int rc = p.waitFor();
      if (rc != 0) {
        return rc;
      }
    }
    return 0;
  }

  /** runs/<name>_NNN takes the config file's name; "default" without one. */
  static String configName(Path file) {
    if (file == null) {
      return "default";
    }
    String n = file.getFileName().toString();
    return n.endsWith(".yaml") ? n.substring(0, n.length() - 5) : n;
  }

  private static String deviceType(Config c) {
    return c.device().equals("gpu") ? "GPU" : "CPU";
  }
}
