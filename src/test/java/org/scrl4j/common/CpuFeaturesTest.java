package org.scrl4j.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuFeaturesTest {
  @Test
  void flagsComeFromTheFlagsLine() {
    String cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n"
        + "bugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: fpu\n";
    CpuFeatures f = CpuFeatures.parse(cpuinfo);
    assertTrue(f.flags().contains("avx512f"));
    assertTrue(f.hasBfloat16());
    assertFalse(f.flags().contains("sysret_ss_attrs"), "bugs are not flags");
    assertFalse(CpuFeatures.parse("flags : fpu avx2 avx512f\n").hasBfloat16());
    assertTrue(CpuFeatures.parse("flags : amx_tile amx_bf16\n").hasBfloat16());
    assertFalse(CpuFeatures.parse("").hasBfloat16());
  }
}
