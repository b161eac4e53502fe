package org.scrl4j.data;

import org.scrl4j.common.UserError;
import org.tensorflow.Session;

/**
 * Turns a failed session run that consumed an input pipeline into the user's error when a data
 * record caused it (a corrupt image, named by file). TF Java maps its status codes to unrelated
 * Java types (an undecodable JPEG is a TFInvalidArgumentException, an IllegalArgumentException,
 * not a TensorFlowException), so any runtime failure is examined, except errors already explained.
 */
public final class InputErrors {
  private InputErrors() {}

  public static RuntimeException explain(InputPipeline input, Session session, RuntimeException failure) {
    if (input == null || failure instanceof UserError) {
      return failure;
    }
    RuntimeException data = input.explain(session, failure);
    return data != null ? data : failure;
  }
}
