package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.toSql;

import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;

/**
 * The trial rows of external trials: runs a user's own script logs through the MLflow API. No
 * worker claims them (the claim and the timeout sweep look at built-in trials only); their status
 * moves as the script says. Every write joins the caller's transaction, and tells the {@link
 * TrialLifecycle}s that the experiment's trials changed: its status rolls up from its runs as a
 * built-in experiment's from its trials (it stayed "running" for ever when nothing rolled it up).
 */
@Component
public class ExternalTrials {

  /** The value of {@code trial.kind} for a trial logged from outside. */
  public static final String KIND = "external";

  /**
   * The dataset of an experiment made through the MLflow API (the Default one among them): its
   * trials are runs of this kind, none of them trained or stopped by Digit Lab.
   */
  public static final String EXPERIMENT_DATASET = "external";

  /**
   * How such a run ends, for the refusals to stop one from Digit Lab (a trial, an experiment): no
   * worker of ours runs it, so a request to stop would never be read.
   */
  public static final String HOW_A_RUN_ENDS =
      "ends when its script ends it (mlflow.end_run(), or runs/update with a status), not from"
          + " here.";

  private final JdbcClient jdbc;
  private final TrialLifecycles lifecycles;

  ExternalTrials(JdbcClient jdbc, TrialLifecycles lifecycles) {
    this.jdbc = jdbc;
    this.lifecycles = lifecycles;
  }

  /**
   * Inserts an external trial, attempt 1, as the next ordinal of its experiment; returns its id.
   * The caller holds the experiment's row lock, so that two runs never take the same ordinal.
   */
  public long create(
      long experimentId, String runName, String owner, String status, Instant startedAt) {
    int ordinal =
        jdbc.sql("SELECT COALESCE(MAX(ordinal), -1) + 1 FROM trial WHERE experiment_id = :id")
            .param("id", experimentId)
            .query(Integer.class)
            .single();
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO trial (experiment_id, ordinal, config, status, attempt, kind, run_name,
                owner, queued_at, started_at)
            VALUES (:experiment, :ordinal, '{}', :status, 1, 'external', :name, :owner, :now,
                :now)
            """)
        .param("experiment", experimentId)
        .param("ordinal", ordinal)
        .param("status", status)
        .param("name", runName)
        .param("owner", owner)
        .param("now", toSql(startedAt))
        .update(key, "id");
    lifecycles.trialsChanged(experimentId);
    return key.getKeyAs(Number.class).longValue();
  }

  /**
   * Reserves {@code count} event seqs of the external trial, or of a command trial whose program
   * logs through the MLflow API, and returns the first; the row stays locked until the caller's
   * transaction ends. Empty if there is no such trial.
   */
  public Optional<Long> reserveSeqs(long trialId, int count) {
    int updated =
        jdbc.sql(
                "UPDATE trial SET event_seq = event_seq + :n WHERE id = :id"
                    + " AND kind IN ('external', 'command')")
            .param("n", count)
            .param("id", trialId)
            .update();
    if (updated == 0) {
      return Optional.empty();
    }
    return Optional.of(
        jdbc.sql("SELECT event_seq FROM trial WHERE id = :id")
                .param("id", trialId)
                .query(Long.class)
                .single()
            - count
            + 1);
  }

  /** Sets the run's status, and when it ended (null while it runs). */
  public void updateStatus(long trialId, String status, Instant finishedAt) {
    jdbc.sql(
            """
            UPDATE trial SET status = :status, finished_at = :finished
             WHERE id = :id AND kind = 'external'
            """)
        .param("status", status)
        .param("finished", finishedAt == null ? null : toSql(finishedAt))
        .param("id", trialId)
        .update();
    changed(trialId);
  }

  /** Renames the run (mlflow.runName). */
  public void rename(long trialId, String runName) {
    jdbc.sql("UPDATE trial SET run_name = :name WHERE id = :id AND kind = 'external'")
        .param("name", runName)
        .param("id", trialId)
        .update();
  }

  /** Marks the run deleted ({@code deleted}) or restores it ({@code active}). */
  public void setLifecycleStage(long trialId, String stage) {
    jdbc.sql("UPDATE trial SET lifecycle_stage = :stage WHERE id = :id AND kind = 'external'")
        .param("stage", stage)
        .param("id", trialId)
        .update();
    changed(trialId);
  }

  /** Tells the lifecycles that the experiment of external trial {@code trialId} changed. */
  private void changed(long trialId) {
    jdbc.sql("SELECT experiment_id FROM trial WHERE id = :id AND kind = 'external'")
        .param("id", trialId)
        .query(Long.class)
        .optional()
        .ifPresent(lifecycles::trialsChanged);
  }
}
