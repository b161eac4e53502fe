package org.scrl4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scrl4j.common.UserError;

/** The checked-in graphs/ summaries must match the graphs the code builds today. */
class GraphSummaryTest {

  @ParameterizedTest
  @CsvSource({"resnet18, byol", "resnet18, scrl", "resnet34, byol", "resnet34, scrl", "resnet50, byol",
      "resnet50, scrl", "resnet101, byol", "resnet101, scrl"})
  void checkedInSummaryIsCurrent(String arch, String method) throws Exception {
    GraphSummary.Settings s = GraphSummary.Settings.paper(arch, method);
    Path file = Path.of("graphs", GraphSummary.fileName(s));
    String regenerate = "regenerate with: tools/scrl graph --arch " + arch + " --method " + method + " --out " + file
        + "  (all: for a in resnet18 resnet34 resnet50 resnet101; do for m in byol scrl; do"
        + " tools/scrl graph --arch $a --method $m --out graphs/${a}_$m.txt; done; done)";
    if (!Files.exists(file)) {
      fail(file + " is missing; " + regenerate);
    }
    String built = GraphSummary.summarize(s);
    String stored = Files.readString(file);
    if (!built.equals(stored)) {
      String[] a = built.split("\n", -1);
      String[] b = stored.split("\n", -1);
      int line = 0;
      while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) {
        line++;
      }
      fail(file + " is out of date (first difference at line " + (line + 1) + ": built '"
          + (line < a.length ? a[line] : "<end>") + "', file '" + (line < b.length ? b[line] : "<end>") + "'); "
          + regenerate);
    }
  }

  @Test
  void tableAgreesWithTorchvisionCounts() {
    String text = GraphSummary.summarize(GraphSummary.Settings.paper("resnet50", "byol"));
    assertTrue(text.matches("(?s).*\\nonline/backbone +23,508,032 / +53,120 .*"), text);
    assertTrue(text.matches("(?s).*\\nonline/backbone/layer4\\.2 +\\[\\?,7,7,2048\\] +4,462,592\\n.*"), text);
    assertTrue(text.matches("(?s).*\\nConv2D +106\\n.*"), text); // 53 convs per backbone
  }

  @Test
  void rejectsUnknownMethodAndArch() {
    assertThrows(UserError.class, () -> GraphSummary.summarize(GraphSummary.Settings.paper("resnet50", "simclr")));
    UserError e = assertThrows(UserError.class, () -> GraphSummary.summarize(GraphSummary.Settings.paper("vgg16", "byol")));
    assertEquals("unknown architecture 'vgg16'; use resnet18, resnet34, resnet50 or resnet101", e.getMessage());
  }
}
