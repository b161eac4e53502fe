package org.scrl4j;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The package floor plan of scrl4j, lowest first. A package may use only the packages below it;
 * nothing may use a package above it, and there are no cycles. The order is the one README
 * "Layout of the code" describes:
 * <ol>
 *   <li>{@code common} (errors, JSON, progress, durations), {@code io} (.npy/.npz), {@code config}</li>
 *   <li>{@code model} (ResNet, batch norm, heads, RoIAlign, the forward pass), {@code loss}, {@code optim}</li>
 *   <li>{@code data.augment}, {@code data.boxes}, {@code data} (sources, pipelines)</li>
 *   <li>{@code dist} (collectives, rendezvous), {@code method} (the BYOL/SCRL step),
 *       {@code checkpoint}, {@code eval}, {@code train}, {@code export}</li>
 *   <li>{@code cli}: every command and benchmark</li>
 * </ol>
 */
class ArchitectureTest {

  /** Every package of scrl4j, lowest layer first. */
  static final List<String> LAYERS = List.of("common", "io", "config", "model", "loss", "optim",
      "data.augment", "data.boxes", "data", "dist", "method", "checkpoint", "eval", "train",
      "export", "cli");

  /**
   * The layering rule over packages {@code base.<layer>}: each layer may access only the layers
   * listed before it.
   */
  static ArchRule layering(String base, List<String> layers) {
    LayeredArchitecture arch = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (String layer : layers) {
      // "data" must not swallow data.augment / data.boxes: match the package itself only
      arch = arch.layer(layer).definedBy(base + "." + layer);
    }
    for (int i = 0; i < layers.size(); i++) {
      String[] below = layers.subList(0, i).toArray(new String[0]);
      arch = below.length == 0
          ? arch.whereLayer(layers.get(i)).mayNotAccessAnyLayer()
          : arch.whereLayer(layers.get(i)).mayOnlyAccessLayers(below);
    }
    return arch;
  }

  static ArchRule noCycles(String base) {
    return slices().matching(base + ".(**)").should().beFreeOfCycles();
  }

  private static JavaClasses mainClasses() {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.scrl4j");
  }

  @Test
  void packagesAreLayered() {
    layering("org.scrl4j", LAYERS).check(mainClasses());
  }

  @Test
  void packagesHaveNoCycles() {
    noCycles("org.scrl4j").check(mainClasses());
  }

  @Test
  void everyMainPackageHasALayer() {
    JavaClasses classes = mainClasses();
    classes.forEach(c -> assertTrue(LAYERS.contains(c.getPackageName().replaceFirst("^org\\.scrl4j\\.", "")),
        c.getName() + " is in package " + c.getPackageName() + ", which has no place in LAYERS"));
  }

  /** The rules catch what they are for: a fixture whose low package imports its high one. */
  @Test
  void rulesFailOnAnUpwardImportAndACycle() {
    JavaClasses fixture = new ClassFileImporter().importPackages("org.scrl4j.archfixture");
    assertTrue(fixture.size() >= 2, "fixture classes not found");
    AssertionError upward = assertThrows(AssertionError.class,
        () -> layering("org.scrl4j.archfixture", Arrays.asList("low", "high")).check(fixture));
    assertTrue(upward.getMessage().contains("archfixture.low.Low"), upward.getMessage());
    assertThrows(AssertionError.class, () -> noCycles("org.scrl4j.archfixture").check(fixture));
  }
}
