package org.scrl4j.dist;

import java.util.List;
import org.scrl4j.common.UserError;

/**
 * Another replica died, became unreachable or stopped answering, so this one cannot continue the
 * synchronous step. Exit code 3 tells a job scheduler to restart the whole job (from
 * {@code checkpoint_last}).
 */
public final class ReplicaLostError extends UserError {
  public static final int EXIT_CODE = 3;

  private final List<Integer> lostRanks;

  public ReplicaLostError(String message, List<Integer> lostRanks) {
    super(message, EXIT_CODE);
    this.lostRanks = List.copyOf(lostRanks);
  }

  /** The ranks known to be gone; empty when a collective timed out without a dead peer in sight. */
  public List<Integer> lostRanks() {
    return lostRanks;
  }
}
