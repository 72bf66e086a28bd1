package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.toSql;
import static dev.digitlab.server.queue.TrialStatus.CANCELLED;
import static dev.digitlab.server.queue.TrialStatus.QUEUED;
import static dev.digitlab.server.queue.TrialStatus.RUNNING;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The trial-row changes that users and experiments ask for, beside the workers' lease-fenced ones
 * in {@link TrialQueue}: add an experiment's trials, cancel or retry a trial, cancel or delete an
 * experiment's trials. Every status guard comes from {@link TrialStatus}'s transition table, and
 * {@link TrialLifecycle}s hear of each change in its transaction.
 */
@Component
public class TrialMoves {

  private static final TrialStatus.Move CANCEL_QUEUED = TrialStatus.sqlMove(CANCELLED, QUEUED);

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final TrialLifecycles lifecycle;

  public TrialMoves(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      Clock clock,
      TrialLifecycles lifecycle) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.lifecycle = lifecycle;
  }

  /**
   * Queues trials of the experiment with its priority, numbered in order after those it has, and
   * returns their ids; the experiment hears of them in the same transaction. Call it in the
   * transaction that stores a new experiment.
   */
  public List<Long> enqueue(long experimentId, int priority, List<NewTrial> trials) {
    Instant now = clock.instant();
    return transaction.execute(
        status -> {
          int ordinal =
              jdbc.sql("SELECT COUNT(*) FROM trial WHERE experiment_id = :id")
                  .param("id", experimentId)
                  .query(Integer.class)
                  .single();
          List<Long> ids = new ArrayList<>();
          for (NewTrial trial : trials) {
            KeyHolder key = new GeneratedKeyHolder();
            jdbc.sql(
                    """
                    INSERT INTO trial (experiment_id, ordinal, config, status, priority,
                        requires, server_only, kind, queued_at)
                    VALUES (:experiment, :ordinal, :config, %s, :priority, :requires,
                        :serverOnly, :kind, :now)
                    """
                        .formatted(QUEUED.sql()))
                .param("experiment", experimentId)
                .param("ordinal", ordinal++)
                .param("config", trial.config())
                .param("priority", priority)
                .param("requires", trial.requires())
                .param("serverOnly", trial.serverOnly())
                .param("kind", trial.kind())
                .param("now", toSql(now))
                .update(key, "id");
            ids.add(key.getKeyAs(Number.class).longValue());
          }
          lifecycle.trialsChanged(experimentId);
          return ids;
        });
  }

  /**
   * Moves a trial from {@code expected} to {@code target} if the transition table allows it and the
   * trial is still {@code expected}; its experiment hears of it in the same transaction. Only the
   * queue starts trials, so {@code running} is not a target here. Back to queued, the trial keeps
   * its results until the next attempt replaces them and joins the end of the queue. Returns the
   * trial's experiment.
   *
   * @throws IllegalTrialTransitionException if the table does not allow the move
   * @throws TrialStatusConflictException if the trial is no longer {@code expected}
   * @throws TrialNotFoundException if there is no such trial
   */
  public long transition(long trialId, TrialStatus expected, TrialStatus target) {
    TrialStatus.Move move = TrialStatus.sqlMove(target, expected);
    if (target == RUNNING) {
      throw new IllegalArgumentException(
          "A trial starts running only when a worker claims it from the queue");
    }
    return transaction.execute(
        status -> {
          String set =
              target == QUEUED
                  ? "queued_at = :now, finished_at = NULL, cancel_requested = FALSE,"
                      + " prune_requested = FALSE,"
                      + " failure_reason = NULL, stack_trace = NULL, not_before = NULL"
                  : "finished_at = :now";
          int changed =
              jdbc.sql(
                      "UPDATE trial SET "
                          + move.set()
                          + ", lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, "
                          + set
                          + " WHERE id = :id AND "
                          + move.guard())
                  .param("now", toSql(clock.instant()))
                  .param("id", trialId)
                  .update();
          StatusAndExperiment now =
              current(trialId).orElseThrow(() -> new TrialNotFoundException(trialId));
          if (changed == 0) {
            throw new TrialStatusConflictException(trialId, expected, now.status());
          }
          lifecycle.trialsChanged(now.experimentId());
          if (target.isTerminal()) {
            lifecycle.trialEnded(trialId, now.experimentId(), target);
          }
          return now.experimentId();
        });
  }

  /**
   * Puts a failed or cancelled trial back in the queue, for its next attempt; its experiment hears
   * of the retry in the same transaction (a cancelled one reopens, or the trial would never be
   * claimed). Returns the trial's experiment.
   *
   * @throws IllegalArgumentException if {@code expected} is neither failed nor cancelled
   * @throws TrialStatusConflictException if the trial is no longer {@code expected}
   */
  public long retry(long trialId, TrialStatus expected) {
    if (expected != TrialStatus.FAILED && expected != CANCELLED) {
      throw new IllegalArgumentException("Only a failed or cancelled trial is retried");
    }
    return transaction.execute(
        status -> {
          long experimentId = transition(trialId, expected, QUEUED);
          lifecycle.trialRetried(experimentId);
          return experimentId;
        });
  }

  /**
   * Asks the worker running this trial to stop; it learns so from its next heartbeat. Returns false
   * if the trial is not running.
   */
  public boolean requestCancel(long trialId) {
    return jdbc.sql(
                "UPDATE trial SET cancel_requested = TRUE WHERE id = :id AND " + RUNNING.sqlIs())
            .param("id", trialId)
            .update()
        > 0;
  }

  /**
   * Cancels an experiment's trials: the queued ones at once, the running ones asked to stop (their
   * workers see it on the next heartbeat). Call it in the transaction that cancels the experiment,
   * before changing the experiment's row: the order claims lock them in.
   */
  public void cancelExperiment(long experimentId) {
    transaction.executeWithoutResult(
        status -> {
          List<Long> queued =
              jdbc.sql(
                      "SELECT id FROM trial WHERE experiment_id = :id AND "
                          + QUEUED.sqlIs()
                          + " ORDER BY id FOR UPDATE")
                  .param("id", experimentId)
                  .query(Long.class)
                  .list();
          jdbc.sql(
                  "UPDATE trial SET "
                      + CANCEL_QUEUED.set()
                      + ", finished_at = :now WHERE experiment_id = :id AND "
                      + CANCEL_QUEUED.guard())
              .param("now", toSql(clock.instant()))
              .param("id", experimentId)
              .update();
          queued.forEach(trialId -> lifecycle.trialEnded(trialId, experimentId, CANCELLED));
          jdbc.sql(
                  // Not a run logged through the MLflow API: nothing of ours would read it.
                  "UPDATE trial SET cancel_requested = TRUE WHERE experiment_id = :id AND "
                      + RUNNING.sqlIs()
                      + " AND kind <> '"
                      + ExternalTrials.KIND
                      + "'")
              .param("id", experimentId)
              .update();
        });
  }

  /**
   * Deletes an experiment's trials (their events go by ON DELETE CASCADE). Call it in the
   * transaction that deletes the experiment, before its row: the order in which claims and
   * completions lock rows, so a delete cannot deadlock with a worker finishing one of these trials.
   */
  public void deleteExperiment(long experimentId) {
    jdbc.sql("DELETE FROM trial WHERE experiment_id = :id").param("id", experimentId).update();
  }

  private Optional<StatusAndExperiment> current(long trialId) {
    return jdbc.sql("SELECT status, experiment_id FROM trial WHERE id = :id")
        .param("id", trialId)
        .query(
            (row, n) ->
                new StatusAndExperiment(
                    TrialStatus.fromDb(row.getString("status")), row.getLong("experiment_id")))
        .optional();
  }

  private record StatusAndExperiment(TrialStatus status, long experimentId) {}
}
