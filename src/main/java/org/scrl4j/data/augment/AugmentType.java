package org.scrl4j.data.augment;

import java.util.Locale;
import org.scrl4j.common.UserError;

/** {@code augment.type}: which chain makes the two pre-training views. */
public enum AugmentType {
  /** The BYOL/SimCLR chain (crop, flip, colour jitter, greyscale, blur, solarize); paper configs. */
  SIMCLR,
  /** Random resized crop and flip only, both views. */
  SIMPLE,
  /** The evaluation transform (resize, centre crop) for both views. */
  NONE;

  /** Parses the config value (simclr, simple, none; any case). */
  public static AugmentType parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError("augment.type '" + value + "' is not one of simclr, simple, none");
    }
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
