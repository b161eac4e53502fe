package org.scrl4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.scrl4j.checkpoint.Checkpoint;
import org.scrl4j.common.CommandFlags;
import org.scrl4j.common.UserError;
import org.scrl4j.export.BackboneWeights;
import org.scrl4j.export.CheckpointBackbone;
import org.scrl4j.export.Detectron2Exporter;
import org.scrl4j.export.ExportPaths;
import org.scrl4j.export.Preprocessing;
import org.scrl4j.export.SavedModelExporter;
import org.scrl4j.export.TorchvisionExporter;

/**
 * {@code tools/scrl export --load_dir DIR --format savedmodel|torchvision|detectron2 --out PATH}:
 * the online backbone of a checkpoint for downstream fine-tuning. The backbone holds no
 * preprocessing; the run's evaluation transform ({@link Preprocessing}, from the config the
 * checkpoint keeps) goes into the printed snippets and into {@code preprocessing.json}: inside the
 * SavedModel directory, or {@code PATH.preprocessing.json} beside an .npz / .pkl.
 */
public final class ExportCommand implements Command {
  @Override
  public String name() {
    return "export";
  }

  @Override
  public String summary() {
    return "export a checkpoint's backbone as a TF SavedModel, torchvision .npz or Detectron2 .pkl";
  }

  @Override
  public int run(List<String> args) throws Exception {
    CommandFlags flags = new CommandFlags(name())
        .flag("load_dir", "DIR", "run directory (newest checkpoint) or one checkpoint_* directory")
        .flag("format", "FMT", "savedmodel | torchvision | detectron2")
        .flag("out", "PATH", "SavedModel directory (new or empty), or the .npz / .pkl file")
        .flag("arch", "ARCH", "optional: fail unless the checkpoint is this architecture (e.g. resnet50)")
        .footer("The backbone holds no preprocessing. The run's evaluation transform (RGB, resize the shorter side"
            + " to input_size + center_crop_pad, centre crop input_size, ImageNet mean/std; from the config the"
            + " checkpoint keeps, else the original's 256 / 224) is printed and written to preprocessing.json:"
            + " PATH/preprocessing.json for a SavedModel, PATH.preprocessing.json beside an .npz or .pkl.");
    if (!flags.parse(args)) {
      return 0;
    }
    String format = flags.required("format").toLowerCase(Locale.ROOT);
    if (!List.of("savedmodel", "torchvision", "detectron2").contains(format)) {
      throw new UserError("--format " + flags.required("format") + " is unknown; use savedmodel, torchvision or detectron2");
    }
    Path out = flags.path("out");
    // Check the target before reading a large checkpoint.
    if (format.equals("savedmodel")) {
      ExportPaths.prepareDir(out);
    } else {
      ExportPaths.prepareFile(out);
    }
    Checkpoint checkpoint = CheckpointBackbone.find(flags.path("load_dir"));
    BackboneWeights w = CheckpointBackbone.read(checkpoint, flags.optional("arch"));
    Preprocessing p = Preprocessing.of(checkpoint);
    Path preprocessing;
    switch (format) {
      case "savedmodel" -> {
        SavedModelExporter.export(w, out);
        preprocessing = Preprocessing.insideDir(out);
        System.out.println("wrote SavedModel " + out + " (" + w.spec() + " backbone; signature serving_default:"
            + " images float32 [N,H,W,3] ImageNet-normalised RGB -> c2, c3, c4, c5 NHWC, pooled)");
        System.out.println("# Python:");
        System.out.print(SavedModelExporter.pythonSnippet(out, p));
      }
      case "torchvision" -> {
        TorchvisionExporter.write(w, out);
        preprocessing = Preprocessing.besideFile(out);
        System.out.println("wrote " + out + " (" + w.torch().size() + " tensors, torchvision " + w.spec() + " names)");
        System.out.println("# PyTorch:");
        System.out.print(TorchvisionExporter.pythonSnippet(w, out, p));
      }
      default -> {
        Detectron2Exporter.write(w, out);
        preprocessing = Preprocessing.besideFile(out);
        System.out.println("wrote " + out + " (" + w.torch().size() + " tensors, Detectron2 ResNet names)");
        System.out.print(Detectron2Exporter.configNotes(w.spec(), out, p));
      }
    }
    p.write(preprocessing);
    System.out.println("wrote " + preprocessing + ": the eval transform the backbone expects, " + p.describe()
        + " (" + p.origin() + ")");
    return 0;
  }
}
