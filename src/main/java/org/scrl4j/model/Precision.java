package org.scrl4j.model;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.scrl4j.common.CpuFeatures;
import org.scrl4j.common.UserError;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * The arithmetic a step runs in ({@code train/precision}, {@code --precision}).
 *
 * <p>Mixed means what torch's autocast means: convolutions and matrix products (and the
 * elementwise ops between them: ReLU, residual additions and their gradients) in the low precision,
 * what accumulates in float32. The model graph is always built in float32; the low precision is
 * TensorFlow's own grappler rewrite ({@code auto_mixed_precision_onednn_bfloat16} on CPU,
 * {@code auto_mixed_precision} for float16 on GPU), which casts around its allow-list (Conv2D and
 * its two backprops, MatMul, BatchMatMul) and keeps its deny-list (Sum, Mean, Exp, Log, ...) in
 * float32. So the variables (master weights) and every assign, LARS's momentum and norms, the loss's
 * reductions and the EMA stay float32. Batch norm is where the rewrite alone went wrong for our
 * graph: it put the plain-op form's elementwise passes, and their per-channel gradient sums, in
 * bfloat16; mixed precision therefore trains batch norm as the fused kernel, whose statistics are
 * float32 ({@link #fusedBatchNorm}, {@link FusedBatchNorm}). Measured with {@code bench --profile}
 * on the ResNet-50 SCRL step: every Conv2D, FusedBatchNorm and ReluGrad kernel runs in bfloat16,
 * Sum's kernel time is float32 but for under 1 ms, Assign's all float32. The evaluator's linear
 * layer is a MatMul and runs in the low precision, as autocast runs every nn.Linear; offline linear
 * evaluation runs in float32.
 */
public enum Precision {
  FLOAT32("float32"),
  MIXED_BFLOAT16("mixed_bfloat16"),
  MIXED_FLOAT16("mixed_float16");

  private final String configValue;

  Precision(String configValue) {
    this.configValue = configValue;
  }

  /** The spelling of config files and flags. */
  public String configValue() {
    return configValue;
  }

  /** Every spelling, for messages: "float32 | mixed_bfloat16 | mixed_float16". */
  public static String choices() {
    return Arrays.stream(values()).map(Precision::configValue).collect(Collectors.joining(" | "));
  }

  /** The precision of a config value; a UserError naming {@code key} and the choices otherwise. */
  public static Precision parse(String key, String value) {
    for (Precision p : values()) {
      if (p.configValue.equals(value)) {
        return p;
      }
    }
    throw new UserError(key + " '" + value + "' is not one of " + choices());
  }

  /** float16 gradients underflow without loss scaling; bfloat16 has float32's exponent range. */
  public boolean needsLossScaling() {
    return this == MIXED_FLOAT16;
  }

  /**
   * Whether training-mode batch norm runs as TF's fused kernel ({@link FusedBatchNorm}): in mixed
   * precision, where it keeps the statistics in float32 as torch autocast does and is the faster
   * form, unless the moments are synchronised across replicas (the fused kernel cannot take them).
   * float32 keeps the plain-op form, whose float64 moments are what verify-step certifies.
   */
  public boolean fusedBatchNorm(int replicas) {
    return this != FLOAT32 && replicas == 1;
  }

  /**
   * Refuses a precision this machine would run slower or not at all, with the reason and the fix:
   * bfloat16 on a CPU without native bfloat16 instructions is emulated (slower than float32), or
   * without oneDNN not rewritten at all; float16 is for GPUs (TF's CPU float16 kernels are emulated).
   *
   * @param deviceType "CPU" or "GPU", where the step's ops run
   */
  public void checkSupported(String deviceType, CpuFeatures cpu, String oneDnnEnv) {
    String key = "train/precision " + configValue;
    if (this == MIXED_FLOAT16 && !deviceType.equals("GPU")) {
      throw new UserError(key + " is for GPUs (TensorFlow's float16 kernels on a CPU are emulated and"
          + " slower than float32); on a CPU use mixed_bfloat16 (CPUs with AVX512-BF16 or AMX) or float32");
    }
    if (this == MIXED_BFLOAT16 && deviceType.equals("CPU")) {
      if (!cpu.hasBfloat16()) {
        throw new UserError(key + " needs a CPU with native bfloat16 (avx512_bf16 or amx_bf16 in"
            + " /proc/cpuinfo); this one has neither, so bfloat16 would be emulated and slower than"
            + " float32: use float32");
      }
      if (!"1".equals(oneDnnEnv)) {
        throw new UserError(key + " runs through oneDNN's bfloat16 kernels, which are off in this JVM"
            + " (TF_ENABLE_ONEDNN_OPTS=" + oneDnnEnv + "): start it with TF_ENABLE_ONEDNN_OPTS=1, as"
            + " tools/scrl does");
      }
    }
  }

  /** {@link #checkSupported(String, CpuFeatures, String)} for this machine and JVM. */
  public void checkSupported(String deviceType) {
    checkSupported(deviceType, CpuFeatures.local(), System.getenv("TF_ENABLE_ONEDNN_OPTS"));
  }

  /**
   * Session options that turn the rewrite on (nothing for float32); merge them into the
   * session's {@link GraphRewrites} config.
   */
  public ConfigProto sessionOptions() {
    RewriterConfig.Builder r = RewriterConfig.newBuilder();
    switch (this) {
      case FLOAT32 -> {
        return ConfigProto.getDefaultInstance();
      }
      // the remapper's oneDNN fusions were on when mixed_bfloat16 was measured (README)
      case MIXED_BFLOAT16 -> r.setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON)
          .setRemapping(RewriterConfig.Toggle.ON);
      case MIXED_FLOAT16 -> r.setAutoMixedPrecision(RewriterConfig.Toggle.ON);
    }
    return ConfigProto.newBuilder().setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(r)).build();
  }
}
