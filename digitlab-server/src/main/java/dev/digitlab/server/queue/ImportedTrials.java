package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.toSql;

import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;

/**
 * The trial rows of an experiment imported from another server's export. They arrive finished: a
 * terminal status and {@code kind = 'imported'}, which neither the claim nor the timeout sweep
 * looks at (both take {@code builtin} trials only), so no worker ever runs them here. Every write
 * joins the caller's transaction, so that an import stores all its trials or none.
 */
@Component
public class ImportedTrials {

  /** The value of {@code trial.kind} for a trial that came in an export. */
  public static final String KIND = "imported";

  private final JdbcClient jdbc;

  ImportedTrials(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A finished trial as an export carries it. */
  public record Finished(
      int ordinal,
      String config,
      TrialStatus status,
      int attempt,
      String requires,
      String workerName,
      String lastMetrics,
      Double bestMetric,
      Double testAccuracy,
      Double testF1Macro,
      Double trainSeconds,
      Instant queuedAt,
      Instant startedAt,
      Instant finishedAt,
      String failureReason) {

    public Finished {
      if (!status.isTerminal()) {
        throw new IllegalArgumentException("an imported trial must have ended, not " + status);
      }
    }
  }

  /** Inserts the trial into the experiment; returns its new id. */
  public long insert(long experimentId, Finished trial) {
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO trial (experiment_id, ordinal, config, status, attempt, requires,
                worker_name, progress, last_metrics, best_metric, test_accuracy, test_f1_macro,
                train_seconds, queued_at, started_at, finished_at, failure_reason, kind)
            VALUES (:experiment, :ordinal, :config, :status, :attempt, :requires, :worker, 1,
                :lastMetrics, :bestMetric, :testAccuracy, :testF1, :trainSeconds, :queuedAt,
                :startedAt, :finishedAt, :failureReason, 'imported')
            """)
        .param("experiment", experimentId)
        .param("ordinal", trial.ordinal())
        .param("config", trial.config())
        .param("status", trial.status().dbValue())
        .param("attempt", trial.attempt())
        .param("requires", trial.requires())
        .param("worker", trial.workerName())
        .param("lastMetrics", trial.lastMetrics())
        .param("bestMetric", trial.bestMetric())
        .param("testAccuracy", trial.testAccuracy())
        .param("testF1", trial.testF1Macro())
        .param("trainSeconds", trial.trainSeconds())
        .param("queuedAt", toSql(trial.queuedAt()))
        .param("startedAt", trial.startedAt() == null ? null : toSql(trial.startedAt()))
        .param("finishedAt", trial.finishedAt() == null ? null : toSql(trial.finishedAt()))
        .param("failureReason", trial.failureReason())
        .update(key, "id");
    return key.getKeyAs(Number.class).longValue();
  }
}
