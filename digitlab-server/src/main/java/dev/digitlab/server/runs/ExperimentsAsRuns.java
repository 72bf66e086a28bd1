package dev.digitlab.server.runs;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentRuns;
import dev.digitlab.server.experiments.TrialCounts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@link ExperimentRuns}: each experiment as a {@link Run} built from its best trial (its first
 * while none succeeded) and its counts, so that {@link RunFilter} and {@link RunOrder}, the runs
 * table's grammar, filter and order the experiments list too; no second parser.
 */
@Component
class ExperimentsAsRuns implements ExperimentRuns {

  private final RunReader runs;
  private final JdbcClient jdbc;

  ExperimentsAsRuns(RunReader runs, JdbcClient jdbc) {
    this.runs = runs;
    this.jdbc = jdbc;
  }

  @Override
  public Map<Long, Summary> summaries(List<Experiment> experiments, Map<Long, TrialCounts> counts) {
    Map<Long, Long> shown = new HashMap<>();
    List<Long> withoutBest = new ArrayList<>();
    for (Experiment e : experiments) {
      if (e.bestTrialId() != null) {
        shown.put(e.id(), e.bestTrialId());
      } else {
        withoutBest.add(e.id());
      }
    }
    if (!withoutBest.isEmpty()) {
      jdbc.sql(
              """
              SELECT experiment_id, MIN(id) FROM trial
               WHERE experiment_id IN (:ids) AND lifecycle_stage = 'active'
               GROUP BY experiment_id
              """)
          .param("ids", withoutBest)
          .query((row, n) -> shown.put(row.getLong(1), row.getLong(2)))
          .list();
    }
    Map<Long, Run> byTrial = new HashMap<>();
    for (Run run : runs.ofTrials(shown.values())) {
      byTrial.put(run.id(), run);
    }
    Map<Long, Summary> summaries = new LinkedHashMap<>();
    for (Experiment e : experiments) {
      Run run = shown.containsKey(e.id()) ? byTrial.get(shown.get(e.id())) : null;
      Map<String, Double> metrics = new LinkedHashMap<>();
      if (run != null) {
        run.metrics().forEach((key, metric) -> metrics.put(key, metric.value()));
      }
      TrialCounts c = counts.getOrDefault(e.id(), new TrialCounts(0, 0, 0, 0, 0));
      metrics.put("trials", (double) c.total());
      metrics.put("trials_queued", (double) c.queued());
      metrics.put("trials_running", (double) c.running());
      metrics.put("trials_succeeded", (double) c.succeeded());
      metrics.put("trials_failed", (double) c.failed());
      metrics.put("trials_cancelled", (double) c.cancelled());
      summaries.put(e.id(), new Summary(run == null ? Map.of() : run.params(), metrics));
    }
    return summaries;
  }

  @Override
  public List<Experiment> filterAndSort(
      List<Experiment> experiments, Map<Long, Summary> summaries, String filter, String order) {
    RunFilter parsed;
    try {
      parsed = RunFilter.parse(filter);
    } catch (InvalidFilterException e) {
      throw new InvalidParameterException("filter", e.getMessage());
    }
    Comparator<Run> comparator = null;
    if (order != null && !order.isBlank()) {
      try {
        comparator = RunOrder.parse(List.of(order));
      } catch (InvalidFilterException e) {
        throw new InvalidParameterException("order", e.getMessage());
      }
    }
    Map<Run, Experiment> kept = new LinkedHashMap<>();
    for (Experiment e : experiments) {
      Run run = asRun(e, summaries.get(e.id()));
      if (parsed.matches(run)) {
        kept.put(run, e);
      }
    }
    List<Run> ordered = new ArrayList<>(kept.keySet());
    if (comparator != null) {
      // Experiments without the value go last either way; ties newest first (RunOrder's rule).
      ordered.sort(comparator);
    }
    return ordered.stream().map(kept::get).toList();
  }

  /** The experiment as a run: its id, name, owner, status, creation time, summary and tags. */
  private static Run asRun(Experiment e, Summary summary) {
    Map<String, Run.LatestMetric> metrics = new LinkedHashMap<>();
    long at = e.createdAt().toEpochMilli();
    if (summary != null) {
      summary.metrics().forEach((k, v) -> metrics.put(k, new Run.LatestMetric(v, at, 0)));
    }
    Map<String, String> tags = new LinkedHashMap<>();
    e.tags().forEach(tag -> tags.put(tag, ""));
    tags.put("mlflow.runName", e.name());
    return new Run(
        e.id(),
        e.id(),
        "experiment",
        e.name(),
        e.owner(),
        e.status().dbValue(),
        at,
        null,
        "active",
        summary == null ? Map.of() : summary.params(),
        metrics,
        tags);
  }
}
