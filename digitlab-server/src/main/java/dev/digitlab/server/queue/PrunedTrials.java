package dev.digitlab.server.queue;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Asks a running trial to stop because a pruner decided so. Its worker stops as for a cancel (it
 * sees {@code cancel_requested}); {@link TrialQueue#complete} then records the trial as {@code
 * pruned}, not {@code cancelled} (a move in {@link TrialStatus}'s table).
 */
@Component
public class PrunedTrials {

  private final JdbcClient jdbc;

  public PrunedTrials(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** True when the trial was running and is now asked to stop as pruned. */
  public boolean requestPrune(long trialId) {
    return jdbc.sql(
                """
                UPDATE trial SET cancel_requested = TRUE, prune_requested = TRUE
                 WHERE id = :id AND %s AND prune_requested = FALSE
                """
                    .formatted(TrialStatus.RUNNING.sqlIs()))
            .param("id", trialId)
            .update()
        > 0;
  }
}
