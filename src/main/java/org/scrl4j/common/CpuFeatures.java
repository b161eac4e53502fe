package org.scrl4j.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The instruction-set flags of this machine's CPU, as Linux lists them in {@code /proc/cpuinfo}
 * (e.g. {@code avx512f}, {@code avx512_bf16}, {@code amx_bf16}). Flags vary between machines of
 * the same cloud type, so commands that depend on one ask here rather than assume it.
 */
public record CpuFeatures(Set<String> flags) {
  public static final Path CPUINFO = Path.of("/proc/cpuinfo");

  /** The flags of this machine; none when /proc/cpuinfo cannot be read (not Linux). */
  public static CpuFeatures local() {
    try {
      return parse(Files.readString(CPUINFO));
    } catch (IOException | SecurityException e) {
      return new CpuFeatures(Set.of());
    }
  }

  /** The flags of the first processor listed in {@code cpuinfo} text. */
  public static CpuFeatures parse(String cpuinfo) {
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
        return new CpuFeatures(new TreeSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+"))));
      }
    }
    return new CpuFeatures(Set.of());
  }

  /**
   * True when the CPU multiplies bfloat16 natively (AVX512-BF16's dot products or AMX tiles), so
   * oneDNN's bfloat16 kernels are faster than float32 rather than emulated.
   */
  public boolean hasBfloat16() {
    return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
  }
}
