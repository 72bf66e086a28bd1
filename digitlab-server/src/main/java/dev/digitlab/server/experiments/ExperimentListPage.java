package dev.digitlab.server.experiments;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.security.Caller;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.trials.WaitingReasons;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code /}: the experiments, sorted by any column, filtered, paged. While one of them is queued or
 * running, the table polls itself every two seconds so statuses update live; it stops once all have
 * stopped. Like the runs table, it takes param and metric columns ({@code params=model&metrics=
 * test_accuracy}: the best trial's values), sorts by them ({@code sort=metrics.test_accuracy}) and
 * filters with the runs table's grammar ({@code filter=metrics.test_accuracy > 0.98}); all of it in
 * the URL, so a view can be shared. Filtering or sorting by a param or metric reads up to {@link
 * ExperimentQuery#MAX_LIMIT} experiments (after the other filters) and pages them here.
 */
@Controller
@WebPage
class ExperimentListPage {

  static final int PAGE_SIZE = 25;

  /**
   * The test figures of an MLflow experiment: its runs have no test phase of ours, so they are not
   * missing (a dash) but do not apply.
   */
  static final String NOT_MEASURED = "n/a";

  /** A column of the table and the sort it uses. */
  record Column(String key, String label, boolean numeric, String href) {}

  /** One experiment as the table shows it. */
  record Row(
      long id,
      String name,
      String owner,
      List<String> tags,
      String status,
      String bestAccuracy,
      String bestF1,
      String runTime,
      int done,
      int total,
      String created,
      String createdIso,
      String waitingFor,
      List<String> params,
      List<String> metrics) {}

  /** An added param or metric column: its header, sort link and the link that removes it. */
  record Extra(String key, String label, boolean numeric, String href, String removeHref) {}

  private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

  static {
    COLUMNS.put("name", "Name");
    COLUMNS.put("owner", "Owner");
    COLUMNS.put("status", "Status");
    COLUMNS.put("best_test_accuracy", "Best test accuracy");
    COLUMNS.put("best_test_f1_macro", "Best macro-F1");
    COLUMNS.put("total_train_seconds", "Run time");
    COLUMNS.put("trials_done", "Trials done/total");
    COLUMNS.put("created", "Created");
  }

  private final ExperimentStore experiments;
  private final Ownership ownership;
  private final ExperimentRuns asRuns;
  private final TrialStore trials;
  private final WaitingReasons waiting;

  ExperimentListPage(
      ExperimentStore experiments,
      Ownership ownership,
      ExperimentRuns asRuns,
      TrialStore trials,
      WaitingReasons waiting) {
    this.experiments = experiments;
    this.ownership = ownership;
    this.asRuns = asRuns;
    this.trials = trials;
    this.waiting = waiting;
  }

  @GetMapping("/")
  String list(
      @RequestParam(defaultValue = "created") String sort,
      @RequestParam(defaultValue = "desc") String order,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String owner,
      @RequestParam(required = false) String tag,
      @RequestParam(required = false) String q,
      @RequestParam(required = false) String filter,
      @RequestParam(required = false) String params,
      @RequestParam(required = false) String metrics,
      @RequestParam(defaultValue = "0") int page,
      Model model,
      HttpServletRequest request,
      HttpServletResponse response) {
    boolean byValue = sort.startsWith("metrics.") || sort.startsWith("params.");
    if (!COLUMNS.containsKey(sort) && !byValue) {
      throw new InvalidParameterException(
          "sort",
          "must be one of "
              + String.join(", ", COLUMNS.keySet())
              + ", or metrics.<key> or params.<key>, got '"
              + sort
              + "'");
    }
    String cleanFilter = filter == null || filter.isBlank() ? null : filter.strip();
    List<String> paramColumns = keys(params);
    List<String> metricColumns = keys(metrics);
    boolean descending = !"asc".equals(order);
    String cleanStatus = status == null || status.isBlank() ? null : status.trim();
    String cleanOwner = owner == null || owner.isBlank() ? null : owner.trim();
    String cleanTag = tag == null || tag.isBlank() ? null : tag.trim();
    String cleanText = q == null || q.isBlank() ? null : q.trim();
    int pageNumber = Math.max(0, page);
    ExperimentQuery query =
        ExperimentQuery.newestFirst()
            .sortedBy(
                byValue
                    ? ExperimentSort.CREATED
                    : ExperimentSort.valueOf(sort.toUpperCase(Locale.ROOT)),
                byValue || descending)
            .withStatus(cleanStatus == null ? null : ExperimentController.parseStatus(cleanStatus))
            .withOwner(cleanOwner)
            .withTag(cleanTag)
            .withNameContaining(cleanText);
    String error = null;
    Page<Experiment> found;
    Map<Long, TrialCounts> counts;
    Map<Long, ExperimentRuns.Summary> summaries;
    if (cleanFilter != null || byValue) {
      // Filtered or ordered by values the database does not index: the first MAX_LIMIT
      // experiments the other filters keep, filtered, ordered and paged here.
      List<Experiment> all = experiments.list(query.page(0, ExperimentQuery.MAX_LIMIT)).items();
      counts = experiments.countTrials(all.stream().map(Experiment::id).toList());
      summaries = asRuns.summaries(all, counts);
      List<Experiment> kept;
      try {
        kept =
            asRuns.filterAndSort(
                all,
                summaries,
                cleanFilter,
                byValue ? sort + (descending ? " DESC" : " ASC") : null);
      } catch (InvalidParameterException e) {
        // The page again, empty, saying what to fix next to the box (as the runs table does).
        response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
        error = e.errors().getFirst().message();
        kept = List.of();
      }
      int from = Math.min(kept.size(), pageNumber * PAGE_SIZE);
      found =
          new Page<>(
              kept.subList(from, Math.min(kept.size(), from + PAGE_SIZE)),
              kept.size(),
              from,
              PAGE_SIZE);
    } else {
      found = experiments.list(query.page(pageNumber * PAGE_SIZE, PAGE_SIZE));
      counts = experiments.countTrials(found.items().stream().map(Experiment::id).toList());
      summaries =
          paramColumns.isEmpty() && metricColumns.isEmpty()
              ? Map.of()
              : asRuns.summaries(found.items(), counts);
    }
    Map<Long, String> waitingFor = waitingFor(found.items());
    Map<Long, Double> untimed =
        experiments.untimedSeconds(found.items().stream().map(Experiment::id).toList());
    List<Row> rows =
        found.items().stream()
            .map(
                e ->
                    row(
                        e,
                        counts.get(e.id()),
                        waitingFor.get(e.id()),
                        untimed.get(e.id()),
                        summaries.get(e.id()),
                        paramColumns,
                        metricColumns))
            .toList();
    String orderName = descending ? "desc" : "asc";
    Link link =
        new Link(
            sort,
            orderName,
            cleanStatus,
            cleanOwner,
            cleanTag,
            cleanText,
            cleanFilter,
            String.join(",", paramColumns),
            String.join(",", metricColumns),
            pageNumber);
    long pageCount = Math.max(1, (found.total() + PAGE_SIZE - 1) / PAGE_SIZE);
    List<Extra> extras = new ArrayList<>();
    for (String key : paramColumns) {
      List<String> rest = new ArrayList<>(paramColumns);
      rest.remove(key);
      extras.add(
          new Extra(
              "params." + key,
              key,
              false,
              link.sortedBy("params." + key),
              link.withColumns(String.join(",", rest), link.metrics())));
    }
    for (String key : metricColumns) {
      List<String> rest = new ArrayList<>(metricColumns);
      rest.remove(key);
      extras.add(
          new Extra(
              "metrics." + key,
              Figures.label(key),
              true,
              link.sortedBy("metrics." + key),
              link.withColumns(link.params(), String.join(",", rest))));
    }
    Set<String> knownParams = new TreeSet<>();
    Set<String> knownMetrics = new TreeSet<>(ExperimentRuns.COUNT_METRICS);
    for (ExperimentRuns.Summary summary : summaries.values()) {
      knownParams.addAll(summary.params().keySet());
      knownMetrics.addAll(summary.metrics().keySet());
    }
    model.addAttribute("filter", cleanFilter);
    model.addAttribute("filterError", error);
    model.addAttribute("params", String.join(",", paramColumns));
    model.addAttribute("metrics", String.join(",", metricColumns));
    model.addAttribute("extras", extras);
    model.addAttribute("knownParams", knownParams);
    model.addAttribute("knownMetrics", knownMetrics);

    model.addAttribute("sort", sort);
    model.addAttribute("order", orderName);
    model.addAttribute("status", cleanStatus);
    model.addAttribute("owner", cleanOwner);
    // The caller's own experiments, one click away (only when a token or login says who it is).
    model.addAttribute("me", Caller.of(request).map(Caller::name).orElse(null));
    model.addAttribute("tag", cleanTag);
    model.addAttribute("q", cleanText);
    model.addAttribute(
        "statuses",
        Arrays.stream(ExperimentStatus.values()).map(ExperimentStatus::dbValue).toList());
    model.addAttribute(
        "filtered",
        cleanStatus != null
            || cleanOwner != null
            || cleanTag != null
            || cleanText != null
            || cleanFilter != null);
    model.addAttribute("page", found);
    model.addAttribute("rows", rows);
    // The import form is for those who may write, as POST /api/v1/experiments/import is.
    model.addAttribute("mayImport", ownership.mayWrite(request));
    model.addAttribute("pageNumber", pageNumber);
    model.addAttribute("pageCount", pageCount);
    model.addAttribute(
        "columns",
        COLUMNS.entrySet().stream()
            .map(
                c ->
                    new Column(
                        c.getKey(),
                        c.getValue(),
                        !c.getKey().equals("name")
                            && !c.getKey().equals("owner")
                            && !c.getKey().equals("status")
                            && !c.getKey().equals("created"),
                        link.sortedBy(c.getKey())))
            .toList());
    model.addAttribute("selfUrl", link.url());
    model.addAttribute("prevUrl", pageNumber > 0 ? link.page(pageNumber - 1) : null);
    model.addAttribute("nextUrl", pageNumber + 1 < pageCount ? link.page(pageNumber + 1) : null);
    model.addAttribute(
        "active",
        rows.stream().anyMatch(r -> r.status().equals("queued") || r.status().equals("running")));
    return "experiments/list";
  }

  /** Keys from a comma-separated list, in order, once each. */
  private static List<String> keys(String list) {
    if (list == null || list.isBlank()) {
      return List.of();
    }
    return Arrays.stream(list.split(","))
        .map(String::strip)
        .filter(k -> !k.isEmpty())
        .distinct()
        .toList();
  }

  /**
   * Why each of these experiments' queued trials waits, when a trial of it waits for a worker that
   * is not there (the first such trial's reason; the queue's first 500 trials are asked).
   */
  private Map<Long, String> waitingFor(List<Experiment> shown) {
    Map<Long, String> reasons = new HashMap<>();
    boolean anyQueued =
        shown.stream()
            .anyMatch(
                e ->
                    e.status() == ExperimentStatus.QUEUED
                        || e.status() == ExperimentStatus.RUNNING);
    if (!anyQueued) {
      return reasons;
    }
    Set<Long> ids = new HashSet<>(shown.stream().map(Experiment::id).toList());
    for (Trial trial : trials.listQueued(500)) {
      if (ids.contains(trial.experimentId()) && !reasons.containsKey(trial.experimentId())) {
        String reason = waiting.waitingFor(trial);
        if (reason != null) {
          reasons.put(trial.experimentId(), reason);
        }
      }
    }
    return reasons;
  }

  private static Row row(
      Experiment e,
      TrialCounts counts,
      String waitingFor,
      Double untimedSeconds,
      ExperimentRuns.Summary summary,
      List<String> paramColumns,
      List<String> metricColumns) {
    TrialCounts c = counts == null ? new TrialCounts(0, 0, 0, 0, 0) : counts;
    List<String> params = new ArrayList<>();
    List<String> metrics = new ArrayList<>();
    for (String key : paramColumns) {
      params.add(summary == null ? "" : Figures.value(summary.params().get(key)));
    }
    for (String key : metricColumns) {
      Double value = summary == null ? null : summary.metrics().get(key);
      metrics.add(value == null ? "–" : Figures.value(value));
    }
    return new Row(
        e.id(),
        e.name(),
        e.owner(),
        e.tags(),
        e.status().dbValue(),
        e.mlflow() ? NOT_MEASURED : Figures.percent(e.bestTestAccuracy()),
        e.mlflow() ? NOT_MEASURED : Figures.metric(e.bestTestF1Macro()),
        runTime(e.totalTrainSeconds(), untimedSeconds),
        c.succeeded() + c.failed() + c.cancelled(),
        c.total(),
        Figures.time(e.createdAt()),
        e.createdAt().toString(),
        waitingFor == null ? "" : waitingFor,
        params,
        metrics);
  }

  /**
   * Training time plus the wall time of trials that report none (command trials); a dash while
   * nothing has run, where {@code 0 s} would claim a measured zero.
   */
  static String runTime(double trainSeconds, Double untimedSeconds) {
    double total = trainSeconds + (untimedSeconds == null ? 0 : untimedSeconds);
    return trainSeconds <= 0 && untimedSeconds == null ? "–" : Figures.duration(total);
  }

  /** The list's address with its filters, for sort headers, pages and polling. */
  private record Link(
      String sort,
      String order,
      String status,
      String owner,
      String tag,
      String q,
      String filter,
      String params,
      String metrics,
      int pageNumber) {

    /** The same list with other added columns. */
    String withColumns(String newParams, String newMetrics) {
      return new Link(sort, order, status, owner, tag, q, filter, newParams, newMetrics, pageNumber)
          .url();
    }

    String url() {
      return build(sort, order, pageNumber);
    }

    String page(int number) {
      return build(sort, order, number);
    }

    /** The column's header link: its own sort, flipping the order when it is the current one. */
    String sortedBy(String column) {
      String next =
          column.equals(sort)
              ? (order.equals("desc") ? "asc" : "desc")
              : (column.equals("name") ? "asc" : "desc");
      return build(column, next, 0);
    }

    private String build(String sortKey, String orderName, int number) {
      UriComponentsBuilder uri =
          UriComponentsBuilder.fromPath("/")
              .queryParam("sort", sortKey)
              .queryParam("order", orderName);
      if (status != null) {
        uri.queryParam("status", status);
      }
      if (owner != null) {
        uri.queryParam("owner", owner);
      }
      if (tag != null) {
        uri.queryParam("tag", tag);
      }
      if (q != null) {
        uri.queryParam("q", q);
      }
      if (filter != null) {
        uri.queryParam("filter", filter);
      }
      if (!params.isEmpty()) {
        uri.queryParam("params", params);
      }
      if (!metrics.isEmpty()) {
        uri.queryParam("metrics", metrics);
      }
      if (number > 0) {
        uri.queryParam("page", number);
      }
      return uri.encode().build().toUriString();
    }
  }
}
