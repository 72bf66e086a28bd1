package dev.digitlab.server.queue;

import java.util.Collection;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deleting and restoring trials of any kind as MLflow deletes runs: softly, by their lifecycle
 * stage ({@code deleted} or {@code active}); rows, events and files stay, so a restore gives
 * everything back. Only a stopped trial is deleted: the guard leaves queued and running ones alone,
 * so a worker never runs, or reports into, a trial the pages no longer show. Each change is told to
 * the trials' experiments ({@link TrialLifecycle#trialsChanged}) in its transaction, so that their
 * counts and best trial stop (or start again) counting these trials at once.
 */
@Component
public class DeletedTrials {

  public static final String ACTIVE = "active";
  public static final String DELETED = "deleted";

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final TrialLifecycles lifecycle;

  DeletedTrials(
      JdbcClient jdbc, PlatformTransactionManager transactions, TrialLifecycles lifecycle) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.lifecycle = lifecycle;
  }

  /** Marks the stopped ones of these trials deleted; returns how many it marked. */
  public int delete(Collection<Long> trialIds) {
    if (trialIds.isEmpty()) {
      return 0;
    }
    return change(
        trialIds,
        "UPDATE trial SET lifecycle_stage = :stage WHERE id IN (:ids) AND NOT (%s OR %s)"
            .formatted(TrialStatus.QUEUED.sqlIs(), TrialStatus.RUNNING.sqlIs()),
        DELETED);
  }

  /** Makes these trials active again; returns how many it changed. */
  public int restore(Collection<Long> trialIds) {
    if (trialIds.isEmpty()) {
      return 0;
    }
    return change(trialIds, "UPDATE trial SET lifecycle_stage = :stage WHERE id IN (:ids)", ACTIVE);
  }

  private int change(Collection<Long> trialIds, String update, String stage) {
    Integer changed =
        transaction.execute(
            status -> {
              int n = jdbc.sql(update).param("stage", stage).param("ids", trialIds).update();
              List<Long> experimentIds =
                  jdbc.sql(
                          "SELECT DISTINCT experiment_id FROM trial WHERE id IN (:ids)"
                              + " ORDER BY experiment_id")
                      .param("ids", trialIds)
                      .query(Long.class)
                      .list();
              experimentIds.forEach(lifecycle::trialsChanged);
              return n;
            });
    return changed == null ? 0 : changed;
  }
}
