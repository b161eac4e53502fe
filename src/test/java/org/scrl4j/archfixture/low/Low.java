package org.scrl4j.archfixture.low;

import org.scrl4j.archfixture.high.High;

/** Test fixture for ArchitectureTest: a lower layer that wrongly uses the higher one. */
public final class Low {
  public static int wrong() {
    return High.value();
  }

  public static int value() {
    return 1;
  }
}
