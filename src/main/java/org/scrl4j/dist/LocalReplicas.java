package org.scrl4j.dist;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.scrl4j.common.UserError;

/**
 * One process per device on a machine, as the original's {@code mp.spawn}: the process the user
 * starts becomes local replica 0 and starts local replicas 1..D-1 as copies of itself (same JVM
 * options, class path, main class and arguments) with {@value #LOCAL_RANK_ENV} set. The copies are
 * destroyed when this process ends; a copy that dies is noticed by the peer monitor like any lost
 * replica.
 */
public final class LocalReplicas {
  /** Environment variable that tells a spawned copy its local device index. */
  public static final String LOCAL_RANK_ENV = "SCRL_LOCAL_RANK";
  private static final Logger LOG = LogManager.getLogger(LocalReplicas.class);

  private LocalReplicas() {}

  /** This process's local device index: from {@value #LOCAL_RANK_ENV} in a spawned copy, else 0. */
  public static int localIndex() {
    String v = System.getenv(LOCAL_RANK_ENV);
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError(LOCAL_RANK_ENV + "='" + v + "' is not a device index");
    }
  }

  /**
   * In local replica 0 of a machine with several devices, starts the other local replicas with
   * {@code args} (this process's complete {@code main} arguments, subcommand included) and returns
   * them; elsewhere returns an empty list.
   */
  public static List<Process> spawnSiblings(DistSettings settings, List<String> args) {
    List<Process> started = new ArrayList<>();
    if (settings.numDevices() == 1 || settings.localIndex() != 0) {
      return started;
    }
    String mainClass = mainClass();
    for (int i = 1; i < settings.numDevices(); i++) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(mainClass);
      cmd.addAll(withResolvedUrl(args, settings));
      ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
      pb.environment().put(LOCAL_RANK_ENV, Integer.toString(i));
      try {
        started.add(pb.start());
      } catch (IOException e) {
        started.forEach(Process::destroyForcibly);
        throw new UserError("could not start local replica " + i + ": " + e.getMessage());
      }
    }
    LOG.info("started {} more local replica(s)", started.size());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> started.forEach(Process::destroyForcibly)));
    return started;
  }

  /** {@code args} with {@code --dist_url} set to the address and port this process uses. */
  static List<String> withResolvedUrl(List<String> args, DistSettings settings) {
    List<String> out = new ArrayList<>(args);
    boolean given = false;
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).startsWith("--dist_url=")) {
        out.set(i, "--dist_url=" + settings.distUrl());
        given = true;
      } else if (out.get(i).equals("--dist_url") && i + 1 < out.size()) {
        out.set(i + 1, settings.distUrl());
        given = true;
      }
    }
    if (!given) {
      // The flag's default (auto) would make each copy pick its own port.
      out.add("--dist_url");
      out.add(settings.distUrl());
    }
    return out;
  }

  /** The main class this JVM runs (from a -jar launch, the jar's Main-Class is taken via -cp). */
  private static String mainClass() {
    String command = System.getProperty("sun.java.command", "");
    String first = command.split(" ")[0];
    if (first.endsWith(".jar")) {
      // -jar app.jar: the jar is the class path, its manifest names the main class.
      try (java.util.jar.JarFile jar = new java.util.jar.JarFile(first)) {
        return jar.getManifest().getMainAttributes().getValue("Main-Class");
      } catch (IOException e) {
        throw new UserError("cannot read the main class of " + first + ": " + e.getMessage());
      }
    }
    if (first.isEmpty()) {
      throw new UserError("cannot tell this JVM's main class to start the other local replicas");
    }
    return first;
  }
}
