package org.scrl4j.common;

/**
 * A problem the user can fix (bad flag, missing file, wrong config value). The command line prints
 * its message as one line, without a stack trace, and exits with {@link #exitCode()}.
 */
public class UserError extends RuntimeException {
  private final int exitCode;

  public UserError(String message) {
    this(message, 2);
  }

  public UserError(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = 2;
  }

  public int exitCode() {
    return exitCode;
  }
}
