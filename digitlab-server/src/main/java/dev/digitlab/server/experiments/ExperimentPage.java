package dev.digitlab.server.experiments;

import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.trials.TrialTags;
import dev.digitlab.server.trials.WaitingReasons;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.CompareLimit;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.PageJson;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * {@code /experiments/{id}}: the trials table, overlaid curves, test-phase bars, parallel
 * coordinates and the timeline. The page reads the stored state once; its script then follows the
 * experiment's event stream from the latest event id, so nothing is read twice.
 */
@Controller
@WebPage
class ExperimentPage {

  /** One trial as the table shows it; {@code values} are the searched parameters' values. */
  record TrialRow(
      long id,
      int ordinal,
      String status,
      int attempt,
      int progressPercent,
      List<String> values,
      String accuracy,
      Double accuracyValue,
      String f1,
      Double f1Value,
      String objective,
      Double objectiveValue,
      String trainTime,
      Double trainSeconds,
      String worker,
      String failureReason,
      String waitingFor,
      List<TrialTags.Chip> tags,
      boolean best,
      boolean external) {}

  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final EventStore events;
  private final Ownership ownership;
  private final WaitingReasons waiting;
  private final TrialTags tags;

  ExperimentPage(
      ExperimentStore experiments,
      TrialStore trials,
      EventStore events,
      Ownership ownership,
      WaitingReasons waiting,
      TrialTags tags) {
    this.waiting = waiting;
    this.tags = tags;
    this.experiments = experiments;
    this.trials = trials;
    this.events = events;
    this.ownership = ownership;
  }

  @GetMapping("/experiments/{id}")
  String show(@PathVariable long id, Model model, HttpServletRequest request) {
    Experiment experiment =
        experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
    // Deleted trials (the runs table's bulk delete, MLflow's runs/delete) leave the page; a link
    // to the runs table's deleted view says how many, where they can be restored.
    List<Trial> all = trials.listByExperiment(id);
    List<Trial> list = all.stream().filter(t -> !t.deleted()).toList();
    Map<Long, Map<String, String>> trialTags = tags.ofExperiment(id);
    List<String> searched = searchedParameters(list);
    List<ChartTrial> chartTrials = new ArrayList<>();
    List<TrialRow> rows = new ArrayList<>();
    Set<String> metricKeys = new TreeSet<>();
    // A run logged through the MLflow API reports no metrics of ours: the curves, bars and plots
    // take the latest value of each metric it logged, as the compare page does.
    Map<Long, Map<String, Double>> logged = trials.loggedMetricsOfExperiment(id);
    for (Trial trial : list) {
      // Legends name the searched values ("#2 learningRate=0.01"), not just the ordinal.
      ChartTrial chart = trial.chart(legend(trial, searched));
      if (external(trial)) {
        chart = withMetrics(chart, logged.getOrDefault(trial.id(), Map.of()));
      }
      chartTrials.add(chart);
      metricKeys.addAll(chart.metrics().keySet());
      rows.add(
          row(
              trial,
              chart.config(),
              searched,
              waiting.waitingFor(trial),
              TrialTags.chips(trialTags.getOrDefault(trial.id(), Map.of())),
              Objects.equals(trial.id(), experiment.bestTrialId())));
    }
    if (metricKeys.isEmpty() || !list.stream().allMatch(ExperimentPage::external)) {
      metricKeys.add("train_loss"); // what our trials report before anything else
    }
    TrialCounts counts = experiments.countTrials(id);
    model.addAttribute("experiment", experiment);
    model.addAttribute(
        "about",
        experiments
            .about(id)
            .orElse(new ExperimentAbout(id, experiment.description(), experiment.tags(), null)));
    model.addAttribute("counts", counts);
    model.addAttribute("searched", searched);
    model.addAttribute("rows", rows);
    model.addAttribute("deletedTrials", all.size() - list.size());
    model.addAttribute("metricKeys", metricKeys);
    model.addAttribute("maxCompared", CompareLimit.MAX_TRIALS);
    model.addAttribute(
        "objectiveLabel",
        experiment.objectiveMetricName() + " (" + experiment.objectiveGoalName() + ")");
    model.addAttribute("bestObjective", Figures.metric(experiment.bestObjective()));
    // An MLflow run reports no training time of ours: its time is how long it ran.
    model.addAttribute(
        "totalTime",
        Figures.duration(
            experiment.mlflow()
                ? list.stream()
                    .map(ExperimentPage::timeOf)
                    .filter(Objects::nonNull)
                    .reduce(0.0, Double::sum)
                : experiment.totalTrainSeconds()));
    model.addAttribute("created", Figures.time(experiment.createdAt()));
    // Nothing of ours stops an MLflow experiment's runs: no Cancel button (the API refuses it).
    model.addAttribute("active", !experiment.mlflow() && counts.queued() + counts.running() > 0);
    // Buttons the API would refuse (another user's experiment, a viewer) are not shown.
    model.addAttribute("mayChange", ownership.mayChange(request, experiment.owner()));
    // Its runs are logged from outside: no test phase, objective, progress nor worker of ours.
    model.addAttribute("mlflow", experiment.mlflow());
    model.addAttribute(
        "chartData",
        PageJson.of(
            Map.of(
                "experimentId", id,
                "lastEventId", events.lastIdInExperiment(id),
                "objective", experiment.objectiveMetricName(),
                "searched", searched,
                "logScaled", logScaled(experiment.spec()),
                "listed", SearchPlots.listed(experiment.spec()),
                "importance",
                    SearchImportance.of(list, experiment.objective(), searched, experiment.spec()),
                "goal", experiment.objectiveGoalName(),
                "mlflow", experiment.mlflow(),
                "trials", chartTrials)));
    return "experiments/detail";
  }

  /**
   * A trial's training time; for a run logged through the MLflow API, which has none, the time it
   * ran (to its end, or to now while it runs; null before it started).
   */
  private static Double timeOf(Trial trial) {
    if (!external(trial)) {
      return trial.trainSeconds();
    }
    if (trial.startedAt() == null) {
      return null;
    }
    Instant end = trial.finishedAt() == null ? Instant.now() : trial.finishedAt();
    return Math.max(0, Duration.between(trial.startedAt(), end).toMillis() / 1000.0);
  }

  private static boolean external(Trial trial) {
    return ExternalTrials.KIND.equals(trial.kind());
  }

  private static ChartTrial withMetrics(ChartTrial chart, Map<String, Double> metrics) {
    return new ChartTrial(
        chart.id(),
        chart.experimentId(),
        chart.label(),
        chart.status(),
        chart.config(),
        new TreeMap<String, Object>(metrics),
        chart.startedAt(),
        chart.finishedAt(),
        chart.worker(),
        chart.ordinal(),
        chart.kind());
  }

  static String legend(Trial trial, List<String> searched) {
    if (searched.isEmpty()) {
      return "#" + trial.ordinal();
    }
    Map<String, Object> config = ChartTrial.map(trial.config());
    StringBuilder label = new StringBuilder("#").append(trial.ordinal());
    for (String key : searched) {
      label.append(' ').append(key).append('=').append(Figures.value(config.get(key)));
    }
    return label.toString();
  }

  /** The searched parameters with a log-scaled range: their plot axes are logarithmic. */
  static List<String> logScaled(String spec) {
    List<String> out = new ArrayList<>();
    Map<String, Object> tree = ChartTrial.map(spec);
    if (tree.get("search") instanceof Map<?, ?> search
        && search.get("parameters") instanceof Map<?, ?> parameters) {
      parameters.forEach(
          (name, domain) -> {
            if (domain instanceof Map<?, ?> range && "log".equals(range.get("scale"))) {
              out.add(String.valueOf(name));
            }
          });
    }
    return out;
  }

  /** The config fields whose values differ between the trials, in config order. */
  static List<String> searchedParameters(List<Trial> list) {
    Set<String> varying = new LinkedHashSet<>();
    Map<String, Object> first = null;
    for (Trial trial : list) {
      Map<String, Object> config = ChartTrial.map(trial.config());
      if (first == null) {
        first = config;
        continue;
      }
      for (var entry : config.entrySet()) {
        if (!Objects.equals(entry.getValue(), first.get(entry.getKey()))) {
          varying.add(entry.getKey());
        }
      }
    }
    if (first != null) {
      // Keep the config's own order.
      List<String> ordered = new ArrayList<>();
      first
          .keySet()
          .forEach(
              k -> {
                if (varying.contains(k)) {
                  ordered.add(k);
                }
              });
      return ordered;
    }
    return List.of();
  }

  private static TrialRow row(
      Trial trial,
      Map<String, Object> config,
      List<String> searched,
      String waitingFor,
      List<TrialTags.Chip> tags,
      boolean best) {
    List<String> values = searched.stream().map(k -> Figures.value(config.get(k))).toList();
    return new TrialRow(
        trial.id(),
        trial.ordinal(),
        trial.status().dbValue(),
        trial.attempt(),
        (int) Math.round(trial.progress() * 100),
        values,
        Figures.percent(trial.testAccuracy()),
        trial.testAccuracy(),
        Figures.metric(trial.testF1Macro()),
        trial.testF1Macro(),
        Figures.metric(trial.bestMetric()),
        trial.bestMetric(),
        Figures.duration(timeOf(trial)),
        timeOf(trial),
        trial.workerName() == null ? "" : trial.workerName(),
        trial.failureReason() == null ? "" : trial.failureReason(),
        waitingFor == null ? "" : waitingFor,
        tags,
        best,
        external(trial));
  }
}
