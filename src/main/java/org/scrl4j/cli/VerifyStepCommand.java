package org.scrl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.scrl4j.common.Json;
import org.scrl4j.common.UserError;
import org.scrl4j.io.NpyArray;
import org.scrl4j.io.Npz;
import org.scrl4j.method.PretrainStep;
import org.scrl4j.method.StepVerifier;
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

  private static final String USAGE = "usage: tools/scrl verify-step --case CASE.npz --out OUT.npz"
      + " [--mode auto|byol|scrl] [--quirks reference|clean] [--lars-lr 0.45] [--wd 1e-6] [--ema-m 0.97]";

  @Override
  public int run(List<String> args) throws Exception {
    Map<String, String> flags = parse(args);
    if (flags.containsKey("help")) {
      System.out.println(USAGE);
      return 0;
    }
    Path casePath = Path.of(need(flags, "case"));
    Path outPath = Path.of(need(flags, "out"));
    if (!Files.isRegularFile(casePath)) {
      throw new UserError("--case " + casePath + " does not exist (make one with make_case.py)");
    }
    Map<String, NpyArray> caseFile = Npz.read(casePath);
    String mode = flags.getOrDefault("mode", "auto").toLowerCase(Locale.ROOT);
    PretrainStep.Method method = switch (mode) {
      case "auto" -> StepVerifier.autoMethod(caseFile);
      case "scrl" -> PretrainStep.Method.SCRL;
      case "byol" -> PretrainStep.Method.BYOL;
      default -> throw new UserError("--mode " + mode + " is not one of auto, byol, scrl");
    };
    String quirks = flags.getOrDefault("quirks", "reference");
    if (!quirks.equalsIgnoreCase("reference") && !quirks.equalsIgnoreCase("clean")) {
      throw new UserError("--quirks " + quirks + " is not one of reference, clean");
    }
    StepVerifier.Options o = new StepVerifier.Options(method, LarsGrouping.parse(quirks),
        number(flags, "lars-lr", 0.45), number(flags, "wd", 1e-6), number(flags, "ema-m", 0.97));
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
    info.put("quirks", quirks.toLowerCase(Locale.ROOT));
    info.put("lars", lars);
    info.put("loss", loss);
    out.put("info_json", NpyArray.of(Json.line(info)));
    Npz.write(outPath, out);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("mode", modeName);
    summary.put("quirks", quirks);
    summary.put("loss", loss);
    summary.put("keys", out.size());
    summary.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
    System.out.println(Json.line(summary));
    return 0;
  }

  private static Map<String, String> parse(List<String> args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--help") || a.equals("-h")) {
        flags.put("help", "");
        continue;
      }
      if (!a.startsWith("--")) {
        throw new UserError("unexpected argument '" + a + "'; " + USAGE);
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new UserError("flag --" + key + " needs a value; " + USAGE);
      }
      if (!List.of("case", "out", "mode", "quirks", "lars-lr", "wd", "ema-m").contains(key)) {
        throw new UserError("unknown flag --" + key + "; " + USAGE);
      }
      flags.put(key, value);
    }
    return flags;
  }

  private static String need(Map<String, String> flags, String key) {
    String v = flags.get(key);
    if (v == null) {
      throw new UserError("missing --" + key + "; " + USAGE);
    }
    return v;
  }

  private static double number(Map<String, String> flags, String key, double dflt) {
    String v = flags.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UserError("--" + key + " " + v + " is not a number");
    }
  }
}
