package dev.digitlab.server.queue;

import java.util.Collection;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Deleting and restoring trials of any kind as MLflow deletes runs: softly, by their lifecycle
 * stage ({@code deleted} or {@code active}); rows, events and files stay, so a restore gives
 * everything back. Only a stopped trial is deleted: the guard leaves queued and running ones alone,
 * so a worker never runs, or reports into, a trial the pages no longer show.
 */
@Component
public class DeletedTrials {

  public static final String ACTIVE = "active";
  public static final String DELETED = "deleted";

  private final JdbcClient jdbc;

  DeletedTrials(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Marks the stopped ones of these trials deleted; returns how many it marked. */
  public int delete(Collection<Long> trialIds) {
    if (trialIds.isEmpty()) {
      return 0;
    }
    return jdbc.sql(
            "UPDATE trial SET lifecycle_stage = :stage WHERE id IN (:ids) AND NOT (%s OR %s)"
                .formatted(TrialStatus.QUEUED.sqlIs(), TrialStatus.RUNNING.sqlIs()))
        .param("stage", DELETED)
        .param("ids", trialIds)
        .update();
  }

  /** Makes these trials active again; returns how many it changed. */
  public int restore(Collection<Long> trialIds) {
    if (trialIds.isEmpty()) {
      return 0;
    }
    return jdbc.sql("UPDATE trial SET lifecycle_stage = :stage WHERE id IN (:ids)")
        .param("stage", ACTIVE)
        .param("ids", trialIds)
        .update();
  }
}
