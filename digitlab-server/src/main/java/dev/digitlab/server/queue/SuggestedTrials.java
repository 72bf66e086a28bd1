package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.toSql;

import java.time.Clock;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Queues the trials a search suggests while it runs (TPE), one row at a time. The caller holds the
 * experiment row's lock, so two servers cannot suggest the same ordinal; the (experiment, ordinal)
 * key would refuse the second anyway. It tells no {@link TrialLifecycle}: its caller is one, called
 * in their {@code trialsChanged}, and the experiment's roll-up comes after it.
 */
@Component
public class SuggestedTrials {

  private final JdbcClient jdbc;
  private final Clock clock;

  public SuggestedTrials(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** Queues trial {@code ordinal} of the experiment with {@code config}. */
  public void queue(long experimentId, int ordinal, String config, String requires, int priority) {
    queue(experimentId, ordinal, new NewTrial(config, requires), priority);
  }

  /** Queues trial {@code ordinal} of the experiment: a built-in or a command trial. */
  public void queue(long experimentId, int ordinal, NewTrial trial, int priority) {
    String config = trial.config();
    String requires = trial.requires();
    jdbc.sql(
            """
            INSERT INTO trial (experiment_id, ordinal, config, status, priority, requires,
                kind, queued_at)
            VALUES (:experiment, :ordinal, :config, %s, :priority, :requires, :kind, :now)
            """
                .formatted(TrialStatus.QUEUED.sql()))
        .param("kind", trial.kind())
        .param("experiment", experimentId)
        .param("ordinal", ordinal)
        .param("config", config)
        .param("priority", priority)
        .param("requires", requires)
        .param("now", toSql(clock.instant()))
        .update();
  }
}
