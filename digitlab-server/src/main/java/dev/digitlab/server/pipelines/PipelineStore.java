package dev.digitlab.server.pipelines;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.pipeline.PipelineSpec;
import dev.digitlab.protocol.pipeline.StepSpec;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Pipeline runs, their steps, step attempts and logs in the database. Status changes are
 * conditional on the status they leave, so a late or repeated call changes nothing.
 */
@Component
public class PipelineStore {

  private static final String RUN_COLUMNS =
      "id, name, owner, description, spec, max_parallel, status, trace_id, created_at, finished_at,"
          + " failure_reason";
  private static final String STEP_COLUMNS =
      """
      id, run_id, ordinal, name, type, parameters, depends_on, sweep_parameter, sweep_value,
      max_attempts, timeout_ms, status, attempts, trial_id, started_at, finished_at,
      failure_reason, result
      """;

  static final int MAX_LOG_LINE = 4000;

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;

  public PipelineStore(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
  }

  /** Stores {@code owner}'s run of {@code spec} with all its steps pending. */
  public PipelineRun create(PipelineSpec spec, String specJson, String traceId, String owner) {
    return create(spec, specJson, traceId, owner, () -> {});
  }

  /**
   * The same, running {@code hold} first in the transaction that stores the run (to lock what the
   * run will read until it is stored; it may refuse by throwing, and nothing is stored then).
   */
  public PipelineRun create(
      PipelineSpec spec, String specJson, String traceId, String owner, Runnable hold) {
    Long id =
        transaction.execute(
            status -> {
              hold.run();
              GeneratedKeyHolder key = new GeneratedKeyHolder();
              jdbc.sql(
                      """
                      INSERT INTO pipeline_run
                        (name, owner, description, spec, max_parallel, status, trace_id,
                         created_at, heartbeat_at)
                      VALUES (:name, :owner, :description, :spec, :maxParallel, 'running',
                              :traceId, :now, :now)
                      """)
                  .param("name", spec.name())
                  .param("owner", owner)
                  .param("description", spec.description())
                  .param("spec", specJson)
                  .param("maxParallel", spec.maxParallelSteps())
                  .param("traceId", traceId)
                  .param("now", toSql(clock.instant()))
                  .update(key, "id");
              long runId = key.getKey().longValue();
              int ordinal = 0;
              for (StepSpec step : spec.steps()) {
                jdbc.sql(
                        """
                        INSERT INTO pipeline_step
                          (run_id, ordinal, name, type, parameters, depends_on, sweep_parameter,
                           sweep_value, max_attempts, timeout_ms, status)
                        VALUES (:run, :ordinal, :name, :type, :parameters, :dependsOn, :sweepParameter,
                                :sweepValue, :maxAttempts, :timeoutMs, 'pending')
                        """)
                    .param("run", runId)
                    .param("ordinal", ordinal++)
                    .param("name", step.name())
                    .param("type", step.type().configName())
                    .param("parameters", step.parameters().toString())
                    .param("dependsOn", String.join(",", step.dependsOn()))
                    .param("sweepParameter", step.sweepParameter())
                    .param("sweepValue", step.sweepValue())
                    .param("maxAttempts", step.maxAttempts())
                    .param("timeoutMs", step.timeout().toMillis())
                    .update();
              }
              return runId;
            });
    return run(id).orElseThrow();
  }

  public Optional<PipelineRun> run(long id) {
    return jdbc.sql("SELECT " + RUN_COLUMNS + " FROM pipeline_run WHERE id = :id")
        .param("id", id)
        .query(PipelineStore::run)
        .optional();
  }

  /** The newest runs first. */
  public List<PipelineRun> runs(int limit) {
    return jdbc.sql(
            "SELECT "
                + RUN_COLUMNS
                + " FROM pipeline_run ORDER BY created_at DESC, id DESC LIMIT :n")
        .param("n", limit)
        .query(PipelineStore::run)
        .list();
  }

  /** A run's steps in dependency order. */
  public List<PipelineStep> steps(long runId) {
    return jdbc.sql(
            "SELECT " + STEP_COLUMNS + " FROM pipeline_step WHERE run_id = :run ORDER BY ordinal")
        .param("run", runId)
        .query(PipelineStore::step)
        .list();
  }

  public Optional<PipelineStep> step(long runId, String name) {
    return jdbc.sql(
            "SELECT " + STEP_COLUMNS + " FROM pipeline_step WHERE run_id = :run AND name = :name")
        .param("run", runId)
        .param("name", name)
        .query(PipelineStore::step)
        .optional();
  }

  /** Pending → queued: the step's dependencies are met and it waits for a slot. */
  boolean queue(long stepId) {
    return move(stepId, StepStatus.PENDING, StepStatus.QUEUED);
  }

  /** Queued → running, as its first attempt starts. */
  boolean start(long stepId) {
    return jdbc.sql(
                """
                UPDATE pipeline_step SET status = 'running', started_at = :now
                WHERE id = :id AND status = 'queued'
                """)
            .param("id", stepId)
            .param("now", toSql(clock.instant()))
            .update()
        == 1;
  }

  void startAttempt(long stepId, int attempt, String spanId) {
    jdbc.sql(
            """
            INSERT INTO pipeline_attempt (step_id, attempt, status, started_at, span_id)
            VALUES (:step, :attempt, 'running', :now, :span)
            """)
        .param("step", stepId)
        .param("attempt", attempt)
        .param("now", toSql(clock.instant()))
        .param("span", spanId)
        .update();
    jdbc.sql("UPDATE pipeline_step SET attempts = :attempt WHERE id = :id")
        .param("attempt", attempt)
        .param("id", stepId)
        .update();
  }

  void finishAttempt(long stepId, int attempt, boolean succeeded, String error) {
    jdbc.sql(
            """
            UPDATE pipeline_attempt SET status = :status, finished_at = :now, error = :error
            WHERE step_id = :step AND attempt = :attempt AND status = 'running'
            """)
        .param("status", succeeded ? "succeeded" : "failed")
        .param("now", toSql(clock.instant()))
        .param("error", clip(error, 2000))
        .param("step", stepId)
        .param("attempt", attempt)
        .update();
  }

  void setTrial(long stepId, long trialId) {
    jdbc.sql("UPDATE pipeline_step SET trial_id = :trial WHERE id = :id")
        .param("trial", trialId)
        .param("id", stepId)
        .update();
  }

  void succeed(long stepId, String result) {
    jdbc.sql(
            """
            UPDATE pipeline_step SET status = 'succeeded', finished_at = :now, result = :result
            WHERE id = :id AND status = 'running'
            """)
        .param("now", toSql(clock.instant()))
        .param("result", result)
        .param("id", stepId)
        .update();
  }

  void fail(long stepId, String reason) {
    jdbc.sql(
            """
            UPDATE pipeline_step SET status = 'failed', finished_at = :now, failure_reason = :reason
            WHERE id = :id AND status IN ('queued', 'running')
            """)
        .param("now", toSql(clock.instant()))
        .param("reason", clip(reason, 2000))
        .param("id", stepId)
        .update();
  }

  void skip(long stepId, String reason) {
    jdbc.sql(
            """
            UPDATE pipeline_step SET status = 'skipped', finished_at = :now, failure_reason = :reason
            WHERE id = :id AND status = 'pending'
            """)
        .param("now", toSql(clock.instant()))
        .param("reason", clip(reason, 2000))
        .param("id", stepId)
        .update();
  }

  void finish(long runId, RunStatus status, String reason) {
    jdbc.sql(
            """
            UPDATE pipeline_run SET status = :status, finished_at = :now, failure_reason = :reason
            WHERE id = :id AND status = 'running'
            """)
        .param("status", status.dbValue())
        .param("now", toSql(clock.instant()))
        .param("reason", clip(reason, 2000))
        .param("id", runId)
        .update();
  }

  /** The store's clock: the one heartbeats are written and judged by. */
  Instant now() {
    return clock.instant();
  }

  /** Marks these runs as alive: the process running them renews this every few seconds. */
  void heartbeat(Collection<Long> runIds, Instant now) {
    if (runIds.isEmpty()) {
      return;
    }
    // Never backwards: a beat that read the clock earlier but wrote later must not make a live
    // run look silent.
    jdbc.sql(
            """
            UPDATE pipeline_run SET heartbeat_at = :now
            WHERE id IN (:ids) AND status = 'running' AND heartbeat_at < :now
            """)
        .param("now", toSql(now))
        .param("ids", List.copyOf(runIds))
        .update();
  }

  /**
   * Ends the running runs whose heartbeat is older than {@code silence}: the server process that
   * ran their steps is gone (stopped or crashed), and with it their threads. Steps that had not
   * ended fail, so the run shows where it stopped. Returns how many runs were ended.
   */
  int failSilentRuns(Instant now, Duration silence) {
    Instant limit = now.minus(silence);
    return transaction.execute(
        status -> {
          String reason =
              "the server running it stopped (no heartbeat for " + silence.toSeconds() + " s)";
          List<Long> silent =
              jdbc.sql(
                      """
                      SELECT id FROM pipeline_run WHERE status = 'running' AND heartbeat_at < :limit
                      FOR UPDATE
                      """)
                  .param("limit", toSql(limit))
                  .query(Long.class)
                  .list();
          if (silent.isEmpty()) {
            return 0;
          }
          jdbc.sql(
                  """
                  UPDATE pipeline_attempt SET status = 'failed', finished_at = :now, error = :reason
                  WHERE status = 'running'
                    AND step_id IN (SELECT id FROM pipeline_step WHERE run_id IN (:ids))
                  """)
              .param("now", toSql(now))
              .param("reason", reason)
              .param("ids", silent)
              .update();
          jdbc.sql(
                  """
                  UPDATE pipeline_step SET status = 'failed', finished_at = :now, failure_reason = :reason
                  WHERE status IN ('pending', 'queued', 'running') AND run_id IN (:ids)
                  """)
              .param("now", toSql(now))
              .param("reason", reason)
              .param("ids", silent)
              .update();
          return jdbc.sql(
                  """
                  UPDATE pipeline_run SET status = 'failed', finished_at = :now, failure_reason = :reason
                  WHERE status = 'running' AND id IN (:ids)
                  """)
              .param("now", toSql(now))
              .param("reason", reason)
              .param("ids", silent)
              .update();
        });
  }

  /** Every attempt of a run's steps, in start order: the Gantt chart's bars. */
  public List<StepAttempt> attempts(long runId) {
    return jdbc.sql(
            """
            SELECT a.step_id, s.name, a.attempt, a.status, a.started_at, a.finished_at, a.error,
                   a.span_id
            FROM pipeline_attempt a JOIN pipeline_step s ON s.id = a.step_id
            WHERE s.run_id = :run
            ORDER BY a.started_at, s.ordinal, a.attempt
            """)
        .param("run", runId)
        .query(
            (row, n) ->
                new StepAttempt(
                    row.getLong("step_id"),
                    row.getString("name"),
                    row.getInt("attempt"),
                    row.getString("status"),
                    instant(row, "started_at"),
                    instant(row, "finished_at"),
                    row.getString("error"),
                    row.getString("span_id")))
        .list();
  }

  void appendLog(long stepId, int attempt, String line) {
    jdbc.sql("INSERT INTO pipeline_log (step_id, attempt, line) VALUES (:step, :attempt, :line)")
        .param("step", stepId)
        .param("attempt", attempt)
        .param("line", clip(line, MAX_LOG_LINE))
        .update();
  }

  /** A step's log, each line prefixed by nothing: attempts are told apart by the caller. */
  public List<LogEntry> logs(long stepId) {
    return jdbc.sql("SELECT attempt, line FROM pipeline_log WHERE step_id = :step ORDER BY id")
        .param("step", stepId)
        .query((row, n) -> new LogEntry(row.getInt("attempt"), row.getString("line")))
        .list();
  }

  /** One line of a step's log and the attempt that wrote it. */
  public record LogEntry(int attempt, String line) {}

  private boolean move(long stepId, StepStatus from, StepStatus to) {
    return jdbc.sql("UPDATE pipeline_step SET status = :to WHERE id = :id AND status = :from")
            .param("to", to.dbValue())
            .param("from", from.dbValue())
            .param("id", stepId)
            .update()
        == 1;
  }

  private static String clip(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  private static PipelineRun run(ResultSet row, int n) throws SQLException {
    return new PipelineRun(
        row.getLong("id"),
        row.getString("name"),
        row.getString("owner"),
        row.getString("description"),
        row.getString("spec"),
        row.getInt("max_parallel"),
        RunStatus.fromDb(row.getString("status")),
        row.getString("trace_id"),
        instant(row, "created_at"),
        instant(row, "finished_at"),
        row.getString("failure_reason"));
  }

  private static PipelineStep step(ResultSet row, int n) throws SQLException {
    String deps = row.getString("depends_on");
    long trial = row.getLong("trial_id");
    Long trialId = row.wasNull() ? null : trial;
    return new PipelineStep(
        row.getLong("id"),
        row.getLong("run_id"),
        row.getInt("ordinal"),
        row.getString("name"),
        row.getString("type"),
        row.getString("parameters"),
        deps == null || deps.isEmpty() ? List.of() : Arrays.asList(deps.split(",")),
        row.getString("sweep_parameter"),
        row.getString("sweep_value"),
        row.getInt("max_attempts"),
        row.getLong("timeout_ms"),
        StepStatus.fromDb(row.getString("status")),
        row.getInt("attempts"),
        trialId,
        instant(row, "started_at"),
        instant(row, "finished_at"),
        row.getString("failure_reason"),
        row.getString("result"));
  }
}
