package dev.digitlab.server.runs;

import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.trials.TrialTags;
import dev.digitlab.server.trials.WaitingReasons;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * Every experiment's runs as a table (built-in trials and runs logged through the MLflow API
 * alike): param and metric columns the user picks, a search box taking MLflow's filter grammar (the
 * same table as CSV is {@link RunsCsv}); and the page of one run logged from outside.
 */
@Controller
@WebPage
class RunsPage {

  /** Columns shown when the user picked none: the first keys, so the table stays readable. */
  private static final int DEFAULT_COLUMNS = 6;

  private final RunReader runs;
  private final ExperimentStore experiments;
  private final JdbcClient jdbc;
  private final TrialStore trials;
  private final WaitingReasons waiting;
  private final Ownership ownership;
  private final EventStore events;

  RunsPage(
      RunReader runs,
      ExperimentStore experiments,
      JdbcClient jdbc,
      TrialStore trials,
      WaitingReasons waiting,
      Ownership ownership,
      EventStore events) {
    this.runs = runs;
    this.events = events;
    this.experiments = experiments;
    this.jdbc = jdbc;
    this.trials = trials;
    this.waiting = waiting;
    this.ownership = ownership;
  }

  /**
   * One row of the table: links to the run's page, its status in the words of the other pages
   * ({@code succeeded}, not MLflow's {@code FINISHED}), its start as ISO (for the CSV and the
   * {@code <time>} element) and as the pages write times, its user tags, why it waits (empty when
   * it does not, or only for its turn), and its cells for the chosen columns.
   */
  record Row(
      Run run,
      String href,
      String parent,
      String status,
      String started,
      String startedText,
      List<TrialTags.Chip> tags,
      String waitingFor,
      List<String> params,
      List<MetricColumn.Cell> metrics) {}

  /** A filtered, ordered table of the experiment's runs. */
  record Table(
      Experiment experiment,
      List<String> paramColumns,
      List<String> metricColumns,
      Set<String> allParams,
      Set<String> allMetrics,
      List<Row> rows) {}

  /**
   * The page's table: where no columns are named, the first {@value #DEFAULT_COLUMNS} params and
   * metrics.
   */
  Table table(
      long id, RunReader.View view, String filter, String params, String metrics, String order) {
    return table(id, view, filter, params, metrics, order, DEFAULT_COLUMNS);
  }

  /**
   * The table for the page and for {@link RunsCsv}: the runs {@code view} keeps (active ones, the
   * deleted ones a restore can give back, or all, as MLflow's run view type), with the first {@code
   * defaultColumns} params and metrics where no columns are named; an invalid filter throws.
   */
  Table table(
      long id,
      RunReader.View view,
      String filter,
      String params,
      String metrics,
      String order,
      int defaultColumns) {
    Experiment experiment =
        experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
    RunFilter parsed = RunFilter.parseRunSearch(filter);
    // Every run, not only those the filter keeps: the column pickers offer all keys.
    List<Run> all = runs.ofExperiments(List.of(id), view, parsed.readsDatasets());
    Set<String> allParams = new TreeSet<>();
    Set<String> allMetrics = new TreeSet<>();
    List<Run> kept = new ArrayList<>();
    for (Run run : all) {
      allParams.addAll(run.params().keySet());
      allMetrics.addAll(run.metrics().keySet());
      if (parsed.matches(run)) {
        kept.add(run);
      }
    }
    kept.sort(RunOrder.parse(order == null || order.isBlank() ? List.of() : List.of(order)));
    List<String> paramColumns = columns(params, allParams, defaultColumns);
    List<String> metricColumns = columns(metrics, allMetrics, defaultColumns);
    // Why a scheduled run waits: asked of the queued trials only (the page shows it in Status).
    Map<Long, String> waitingFor = new HashMap<>();
    List<Long> scheduled =
        kept.stream().filter(r -> r.status().equals("SCHEDULED")).map(Run::id).toList();
    for (Trial trial : trials.findAll(scheduled)) {
      String reason = waiting.waitingFor(trial);
      if (reason != null) {
        waitingFor.put(trial.id(), reason);
      }
    }
    // The stored status of built-in trials (pruned stays pruned; MLflow would say KILLED).
    Map<Long, String> statuses = new HashMap<>();
    for (Trial trial : trials.findAll(kept.stream().map(Run::id).toList())) {
      statuses.put(trial.id(), trial.status().dbValue());
    }
    // Column by column, so that each column's numbers take one number of decimals.
    List<List<MetricColumn.Cell>> metricCells = new ArrayList<>();
    for (String key : metricColumns) {
      List<Double> values = new ArrayList<>();
      for (Run run : kept) {
        Run.LatestMetric metric = run.metrics().get(key);
        values.add(metric == null ? null : metric.value());
      }
      metricCells.add(MetricColumn.cells(values));
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      Run run = kept.get(i);
      int row = i;
      List<String> paramCells = new ArrayList<>();
      paramColumns.forEach(key -> paramCells.add(run.params().getOrDefault(key, "")));
      rows.add(
          new Row(
              run,
              run.kind().equals("external") ? "/runs/" + run.id() : "/trials/" + run.id(),
              run.tags().get("mlflow.parentRunId"),
              statuses.getOrDefault(
                  run.id(),
                  RunReader.trialStatus(run.status())
                      .orElse(run.status().toLowerCase(Locale.ROOT))),
              run.startTime() == null ? "" : Instant.ofEpochMilli(run.startTime()).toString(),
              run.startTime() == null ? "–" : Figures.time(Instant.ofEpochMilli(run.startTime())),
              TrialTags.chips(run.tags()),
              waitingFor.getOrDefault(run.id(), ""),
              paramCells,
              metricCells.stream().map(column -> column.get(row)).toList()));
    }
    return new Table(experiment, paramColumns, metricColumns, allParams, allMetrics, rows);
  }

  private static List<String> columns(String picked, Set<String> all, int defaultColumns) {
    if (picked == null) {
      return all.stream().limit(defaultColumns).toList();
    }
    return Arrays.stream(picked.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static String format(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return Double.toString(value);
    }
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : String.format(java.util.Locale.ROOT, "%.4g", value);
  }

  @GetMapping("/experiments/{id}/runs")
  String list(
      @PathVariable long id,
      @RequestParam(required = false) String filter,
      @RequestParam(required = false) String params,
      @RequestParam(required = false) String metrics,
      @RequestParam(required = false) String order,
      @RequestParam(required = false) String view,
      Model model,
      HttpServletRequest request,
      HttpServletResponse response) {
    Table table;
    RunReader.View shown = RunReader.View.ACTIVE_ONLY;
    try {
      shown = RunReader.View.of(view);
      table = table(id, shown, filter, params, metrics, order);
      model.addAttribute("error", null);
    } catch (InvalidFilterException e) {
      // the page again, empty, saying what to fix in the box
      response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
      table = table(id, shown, null, params, metrics, null);
      table =
          new Table(
              table.experiment(),
              table.paramColumns(),
              table.metricColumns(),
              table.allParams(),
              table.allMetrics(),
              List.of());
      model.addAttribute("error", e.getMessage());
    }
    model.addAttribute("table", table);
    // The bulk actions (tag, cancel, delete; restore where deleted runs show) for those the API
    // would let change these trials.
    model.addAttribute("mayChange", ownership.mayChange(request, table.experiment().owner()));
    model.addAttribute("view", shown.name());
    model.addAttribute("showsDeleted", shown != RunReader.View.ACTIVE_ONLY);
    model.addAttribute("filter", filter == null ? "" : filter);
    // Column headers sort on a click (an invalid order sorts nothing, and no header says it does).
    String sortedBy = model.getAttribute("error") == null ? order : null;
    model.addAttribute(
        "sorts",
        Map.of(
            "run", SortHeader.of("Run", "attributes.run_name", sortedBy),
            "status", SortHeader.of("Status", "attributes.status", sortedBy),
            "user", SortHeader.of("User", "attributes.user_id", sortedBy),
            "started", SortHeader.of("Started", "attributes.start_time", sortedBy)));
    model.addAttribute(
        "paramSorts",
        table.paramColumns().stream()
            .map(k -> SortHeader.of("params." + k, SortHeader.identifier("params", k), sortedBy))
            .toList());
    model.addAttribute(
        "metricSorts",
        table.metricColumns().stream()
            .map(k -> SortHeader.of("metrics." + k, SortHeader.identifier("metrics", k), sortedBy))
            .toList());
    model.addAttribute("order", order == null ? "" : order);
    model.addAttribute("params", String.join(",", table.paramColumns()));
    model.addAttribute("metrics", String.join(",", table.metricColumns()));
    return "runs/list";
  }

  @GetMapping("/runs/{id}")
  String run(@PathVariable long id, Model model) {
    Run run = runs.find(id).orElseThrow(() -> new NotFoundException("run", id));
    Experiment experiment =
        experiments
            .find(run.experimentId())
            .orElseThrow(() -> new NotFoundException("experiment", run.experimentId()));
    List<Run> children = new ArrayList<>();
    for (Run other : runs.ofExperiments(List.of(run.experimentId()), RunReader.View.ACTIVE_ONLY)) {
      if (run.runId().equals(other.tags().get("mlflow.parentRunId"))) {
        children.add(other);
      }
    }
    // Params, metrics and tags by key, in natural order (layer2 before layer10), as MLflow's run
    // page lists them: the stored maps have no order a reader can follow.
    Map<String, String> metrics = new TreeMap<>(NaturalOrder.KEYS);
    run.metrics().forEach((key, metric) -> metrics.put(key, format(metric.value())));
    Map<String, String> params = new TreeMap<>(NaturalOrder.KEYS);
    params.putAll(run.params());
    Map<String, String> tags = new TreeMap<>(NaturalOrder.KEYS);
    tags.putAll(run.tags());
    model.addAttribute("run", run);
    model.addAttribute("params", params);
    model.addAttribute("tags", tags);
    Optional<Trial> trial = trials.find(id);
    model.addAttribute(
        "runStatus",
        trial
            .map(t -> t.status().dbValue())
            .orElse(RunReader.trialStatus(run.status()).orElse(run.status())));
    // While it runs, the page follows its event stream from the last event it was written with.
    model.addAttribute("live", trial.map(t -> !t.status().isTerminal()).orElse(false));
    model.addAttribute("lastEventId", events.lastId(id));
    model.addAttribute("experiment", experiment);
    model.addAttribute("metrics", metrics);
    model.addAttribute("children", children);
    model.addAttribute(
        "artifacts",
        jdbc.sql("SELECT path, file_size FROM run_artifact WHERE trial_id = :id ORDER BY path")
            .param("id", id)
            .query((row, n) -> Map.of("path", row.getString(1), "size", row.getLong(2)))
            .list());
    model.addAttribute(
        "started",
        run.startTime() == null ? "" : Figures.time(Instant.ofEpochMilli(run.startTime())));
    model.addAttribute(
        "ended", run.endTime() == null ? "" : Figures.time(Instant.ofEpochMilli(run.endTime())));
    return "runs/detail";
  }
}
