package org.scrl4j.archfixture.high;

import org.scrl4j.archfixture.low.Low;

/** Test fixture for ArchitectureTest: the higher layer, using the lower one (allowed). */
public final class High {
  public static int value() {
    return Low.value() + 1;
  }
}
