package dev.digitlab.server.search;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.ExperimentLimits;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.protocol.experiment.SearchSpace;
import dev.digitlab.protocol.experiment.SearchType;
import dev.digitlab.protocol.experiment.TpeTrials;
import dev.digitlab.protocol.search.Distribution;
import dev.digitlab.protocol.search.Observation;
import dev.digitlab.protocol.search.TpeSampler;
import dev.digitlab.server.database.AfterCommit;
import dev.digitlab.server.database.Timestamps;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.ExperimentSubmission;
import dev.digitlab.server.queue.NewTrial;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.SuggestedTrials;
import dev.digitlab.server.queue.TrialLifecycle;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Runs TPE searches: whenever one of a TPE experiment's trials changes, suggests its next trials
 * until {@code parallelism} are pending, {@code maxTrials} exist or the timeout has passed. The
 * suggestion for trial {@code n} is a function of the search's seed, {@code n} and the stored
 * trials (pending ones count as the constant liar's), and it is made with the experiment row
 * locked: a restarted server, or a second one on the same database, continues the same search
 * without repeating or skipping a suggestion.
 *
 * <p>It hears of the changes as a {@link TrialLifecycle}, in the transaction that made them, and
 * first of all listeners: the experiment's roll-up ({@link ExperimentStore}) then sees the trials
 * suggested here, so a search never looks finished while it has trials left to suggest. A new
 * experiment's first trials are suggested the same way, when the queue adds its (no) trials.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class TpeSearch implements TrialLifecycle {

  private static final ObjectMapper JSON = Json.mapper();
  // Specs are stored checked; the cap only has to let any stored one through again.
  private static final ExperimentFiles FILES =
      new ExperimentFiles(ExperimentLimits.DEFAULTS.withMaxTrials(Integer.MAX_VALUE));

  private final JdbcClient jdbc;
  private final SuggestedTrials trials;
  private final QueueSignal queueSignal;
  private final Clock clock;
  private final MetricCurves curves;
  // A stored spec never changes: parse each once.
  private final Map<Long, Optional<ExperimentSpec>> specs = new ConcurrentHashMap<>();

  public TpeSearch(
      JdbcClient jdbc,
      SuggestedTrials trials,
      QueueSignal queueSignal,
      Clock clock,
      MetricCurves curves) {
    this.jdbc = jdbc;
    this.trials = trials;
    this.queueSignal = queueSignal;
    this.clock = clock;
    this.curves = curves;
  }

  private record Row(
      String status,
      String spec,
      String objectiveMetric,
      String objectiveGoal,
      int maxParallelTrials,
      int priority,
      Instant createdAt) {}

  private record StoredTrial(
      long id, int ordinal, String status, String config, Double objective) {}

  @Override
  public void trialsChanged(long experimentId) {
    continueSearch(experimentId);
  }

  /**
   * Queues the experiment's next suggested trials, if it is a TPE search that has any to suggest
   * now. Locks the experiment's row (as its roll-up does next, in the same transaction).
   */
  void continueSearch(long experimentId) {
    Optional<Row> row =
        jdbc.sql(
                """
                SELECT status, spec, objective_metric, objective_goal, max_parallel_trials,
                       priority, created_at
                  FROM experiment WHERE id = :id FOR UPDATE
                """)
            .param("id", experimentId)
            .query(
                (r, n) ->
                    new Row(
                        r.getString("status"),
                        r.getString("spec"),
                        r.getString("objective_metric"),
                        r.getString("objective_goal"),
                        r.getInt("max_parallel_trials"),
                        r.getInt("priority"),
                        Timestamps.instant(r, "created_at")))
            .optional();
    // a cancelled search suggests nothing more (a retry reopens it first)
    if (row.isEmpty()
        || ExperimentStatus.fromDb(row.get().status()) == ExperimentStatus.CANCELLED) {
      return;
    }
    Optional<ExperimentSpec> parsed =
        specs.computeIfAbsent(experimentId, id -> tpeSpec(row.get().spec()));
    if (parsed.isEmpty()) {
      return;
    }
    ExperimentSpec spec = parsed.get();
    SearchSpace.TpeSettings settings = spec.search().tpe();
    if (settings.timeoutSeconds() > 0
        && clock.instant().isAfter(row.get().createdAt().plusSeconds(settings.timeoutSeconds()))) {
      return;
    }
    Objective objective =
        new Objective(
            ObjectiveMetric.named(row.get().objectiveMetric()),
            Goal.parse(row.get().objectiveGoal()));
    List<StoredTrial> stored =
        jdbc.sql(
                "SELECT id, ordinal, status, config, "
                    + ExperimentStore.trialColumn(objective.metric())
                    + " AS objective FROM trial WHERE experiment_id = :id ORDER BY ordinal")
            .param("id", experimentId)
            .query(
                (r, n) ->
                    new StoredTrial(
                        r.getLong("id"),
                        r.getInt("ordinal"),
                        r.getString("status"),
                        r.getString("config"),
                        r.getObject("objective") == null ? null : r.getDouble("objective")))
            .list();
    List<Observation> history = new ArrayList<>();
    int pending = 0;
    for (StoredTrial trial : stored) {
      Observation observation = observation(spec, trial);
      if (observation != null) {
        history.add(observation);
      }
      if (trial.status().equals("queued") || trial.status().equals("running")) {
        pending++;
      }
    }
    int parallelism =
        settings.parallelism() > 0 ? settings.parallelism() : row.get().maxParallelTrials();
    int next = stored.isEmpty() ? 0 : stored.getLast().ordinal() + 1;
    Map<String, Distribution> space = TpeTrials.space(spec.search());
    TpeSampler sampler =
        new TpeSampler(
            spec.search().seed(), settings.startupTrials(), TpeSampler.DEFAULT_CANDIDATES, true);
    boolean maximize = objective.goal() == Goal.MAX;
    int queued = 0;
    while (pending < parallelism && next < settings.maxTrials()) {
      Map<String, Double> values = sampler.suggest(next, space, history, maximize);
      NewTrial trial;
      if (spec.isCommand()) {
        trial = NewTrial.command(TpeTrials.parameters(spec, values).toString());
      } else {
        TrainingConfig config = TpeTrials.config(spec, values);
        trial = new NewTrial(FILES.configJson(config), ExperimentSubmission.requires(config));
      }
      trials.queue(experimentId, next, trial, row.get().priority());
      history.add(Observation.pending(next, values));
      pending++;
      next++;
      queued++;
    }
    if (queued > 0) {
      signalAfterCommit();
    }
  }

  /**
   * The trial as the sampler sees it; null for one that failed or was cancelled. A pruned trial
   * counts as finished with the curve of the pruner's metric (Optuna ranks pruned trials by how far
   * they got, then by their last value).
   */
  private Observation observation(ExperimentSpec spec, StoredTrial trial) {
    Map<String, Double> values;
    try {
      values = TpeTrials.values(spec.search(), JSON.readTree(trial.config()));
    } catch (Exception e) {
      return null;
    }
    return switch (trial.status()) {
      case "queued", "running" -> Observation.pending(trial.ordinal(), values);
      case "succeeded" ->
          trial.objective() == null
              ? null
              : Observation.complete(trial.ordinal(), values, trial.objective());
      case "pruned" ->
          Observation.pruned(
              trial.ordinal(),
              values,
              spec.pruner() == null
                  ? new java.util.TreeMap<>()
                  : curves.curve(trial.id(), spec.pruner().metric()));
      default -> null;
    };
  }

  private static Optional<ExperimentSpec> tpeSpec(String json) {
    try {
      JsonNode tree = JSON.readTree(json);
      if (!"tpe".equals(tree.path("search").path("type").asString())) {
        return Optional.empty();
      }
      ExperimentSpec spec = FILES.fromTree(tree);
      return spec.search() != null && spec.search().type() == SearchType.TPE
          ? Optional.of(spec)
          : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Wakes idle slots once the new trials are committed, so they can see them. */
  private void signalAfterCommit() {
    AfterCommit.run(queueSignal::trialsQueued);
  }
}
