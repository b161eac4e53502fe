package org.scrl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.method.StepVerifier;
import org.scrl4j.model.Precision;
import org.scrl4j.optim.LarsGrouping;

/**
 * {@code verify-step --case CASE.npz --out OUT.npz [--mode auto|byol|scrl] [--quirks reference|clean]
 * [--lars-lr LR] [--wd WD] [--ema-m M]}: one training step on a reference case, written with
 * golden.py's keys so {@code compare.py golden.npz OUT.npz} checks it.
 */
public final class VerifyStepCommand implements Command {

  @Override
  public String name() {
    return "verify-step";
  }

  @Override
  public String summary() {
    return "run one training step on a reference case (.npz) and write golden.py's keys";
  }

  @Override
  public int run(List<String> args) throws Exception {
    CommandFlags flags = new CommandFlags(name())
        .flag("case", "CASE.npz", "reference case (make_case.py)")
        .flag("out", "OUT.npz", "where the step's results go, with golden.py's keys")
        .flag("mode", "MODE", "auto | byol | scrl (default auto: as the case says)")
        .flag("quirks", "QUIRKS", "reference | clean LARS grouping (default reference)")
        .flag("lars-lr", "LR", "LARS learning rate (default 0.45)")
        .flag("wd", "WD", "weight decay (default 1e-6)")
        .flag("ema-m", "M", "target EMA momentum (default 0.97)")
        .flag("precision", "P", Precision.choices() + " (default float32; the yardstick is float32)")
        .flag("batch-norm", "KIND", "plain | fused: training batch norm as plain ops (float64 moments) or"
            + " TF's fused kernel (default: as the precision trains, fused for mixed)");
    if (!flags.parse(args)) {
      return 0;
    }
    Path casePath = flags.path("case");
    Path outPath = flags.path("out");
    if (!Files.isRegularFile(casePath)) {
      throw new UserError("--case " + casePath + " does not exist (make one with make_case.py)");
    }
    Map<String, NpyArray> caseFile = Npz.read(casePath);
    PretrainStep.Method method = switch (flags.choice("mode", "auto", "auto", "byol", "scrl")) {
      case "scrl" -> PretrainStep.Method.SCRL;
      case "byol" -> PretrainStep.Method.BYOL;
      default -> StepVerifier.autoMethod(caseFile);
    };
    String quirks = flags.choice("quirks", "reference", "reference", "clean");
    Precision precision = Precision.parse("--precision", flags.choice("precision", "float32", "float32", "mixed_bfloat16", "mixed_float16"));
    precision.checkSupported("CPU");
    StepVerifier.Options o = new StepVerifier.Options(method, LarsGrouping.parse(quirks),
        flags.number("lars-lr", 0.45), flags.number("wd", 1e-6), flags.number("ema-m", 0.97), precision,
        flags.choice("batch-norm", precision.fusedBatchNorm(1) ? "fused" : "plain", "plain", "fused").equals("fused"));
    long t0 = System.nanoTime();
    Map<String, NpyArray> out = new LinkedHashMap<>(StepVerifier.run(caseFile, o));
    String modeName = method.name().toLowerCase(Locale.ROOT);
    float loss = out.get("loss").toFloats()[0];
    Map<String, Object> lars = new LinkedHashMap<>();
    lars.put("lr", o.lr());
    lars.put("weight_decay", o.weightDecay());
    lars.put("ema_m", o.emaMomentum());
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("project", "scrl4j");
    info.put("mode", modeName);
    info.put("quirks", quirks);
    info.put("precision", precision.configValue());
    info.put("batch_norm", o.fusedBatchNorm() ? "fused" : "plain");
    info.put("lars", lars);
    info.put("loss", loss);
    out.put("info_json", NpyArray.of(Json.line(info)));
    Npz.write(outPath, out);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("mode", modeName);
    summary.put("quirks", quirks);
    summary.put("precision", precision.configValue());
    summary.put("loss", loss);
    summary.put("keys", out.size());
    summary.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
    System.out.println(Json.line(summary));
    return 0;
  }
}
