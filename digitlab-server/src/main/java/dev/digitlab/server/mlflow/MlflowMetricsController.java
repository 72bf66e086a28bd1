package dev.digitlab.server.mlflow;

import dev.digitlab.server.runs.Run;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A run's metric history as MLflow serves it: {@code metrics/get-history} (paged), and the two
 * many-run reads MLflow's server has for charts, {@code get-history-bulk} and {@code
 * get-history-bulk-interval} (steps sampled evenly across the runs, each run's first and last step
 * kept), with the limits and the sampling of MLflow's {@code handlers.py}. Points come from the
 * run's event stream, built-in trials' included.
 */
@RestController
@RequestMapping(
    path = {"/api/2.0/mlflow/metrics", "/ajax-api/2.0/mlflow/metrics"},
    produces = MediaType.APPLICATION_JSON_VALUE)
class MlflowMetricsController {

  static final int HISTORY_PAGE_DEFAULT = 25_000;
  static final int MAX_RUNS_PER_BULK = 100;
  static final int MAX_HISTORY_RESULTS = 25_000;
  static final int MAX_RESULTS_PER_RUN = 2_500;

  private final MlflowRuns runs;
  private final MetricPoints logged;

  MlflowMetricsController(MlflowRuns runs, MetricPoints logged) {
    this.runs = runs;
    this.logged = logged;
  }

  @GetMapping("/get-history")
  ObjectNode history(MlflowRequest fields) {
    Run run = runs.find(MlflowRuns.runId(fields));
    List<MetricPoint> points = logged.of(run.id(), fields.required("metric_key"));
    // Without max_results MLflow returns the whole history.
    int otherwise = fields.string("max_results") == null ? Integer.MAX_VALUE : HISTORY_PAGE_DEFAULT;
    return MlflowPage.of(fields, "metrics", points, otherwise, point -> point.json(null));
  }

  /** The histories of up to 100 runs ({@code run_id} repeated), run by run in id order. */
  @GetMapping("/get-history-bulk")
  ObjectNode historyBulk(MlflowRequest fields) {
    List<String> runIds = fields.strings("run_id");
    if (runIds.isEmpty()) {
      throw MlflowException.invalid(
          "GetMetricHistoryBulk request must specify at least one run_id.");
    }
    if (runIds.size() > MAX_RUNS_PER_BULK) {
      throw MlflowException.invalid(
          "GetMetricHistoryBulk request cannot specify more than "
              + MAX_RUNS_PER_BULK
              + " run_ids. Received "
              + runIds.size()
              + " run_ids.");
    }
    String key = fields.string("metric_key");
    if (key == null) {
      throw MlflowException.invalid("GetMetricHistoryBulk request must specify a metric_key.");
    }
    long maxResults =
        Math.min(fields.int64("max_results", MAX_HISTORY_RESULTS), MAX_HISTORY_RESULTS);
    ObjectNode answer = MlflowJsonViews.object();
    ArrayNode metrics = answer.putArray("metrics");
    for (String runId : new TreeSet<>(runIds)) {
      Run run = runs.find(runId);
      List<MetricPoint> points = new ArrayList<>(logged.of(run.id(), key));
      points.sort(
          Comparator.comparingLong(MetricPoint::timestamp)
              .thenComparingLong(MetricPoint::step)
              .thenComparingDouble(MetricPoint::value));
      for (MetricPoint point : points) {
        if (metrics.size() >= maxResults) {
          return answer;
        }
        metrics.add(point.json(run.runId()));
      }
    }
    return answer;
  }

  /**
   * Up to {@code max_results} (1–2,500) steps of one metric across up to 100 runs ({@code run_ids}
   * repeated), between {@code start_step} and {@code end_step} (both or neither): the steps any run
   * logged, sampled evenly, plus each run's first and last step in the range; every point at those
   * steps, run by run as asked.
   */
  @GetMapping("/get-history-bulk-interval")
  ObjectNode historyBulkInterval(MlflowRequest fields) {
    List<String> runIds = fields.strings("run_ids");
    if (runIds.isEmpty()) {
      throw MlflowRequest.missing("run_ids");
    }
    if (runIds.size() > MAX_RUNS_PER_BULK) {
      throw MlflowException.invalid(
          "GetMetricHistoryBulkInterval request must specify at most "
              + MAX_RUNS_PER_BULK
              + " run_ids. Received "
              + runIds.size()
              + " run_ids.");
    }
    String key = fields.required("metric_key");
    long maxResults = fields.int64("max_results", MAX_RESULTS_PER_RUN);
    if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) {
      throw MlflowException.invalid(
          "max_results must be between 1 and " + MAX_RESULTS_PER_RUN + ".");
    }
    Long startStep = fields.int64OrNull("start_step");
    Long endStep = fields.int64OrNull("end_step");
    if (startStep != null && endStep != null) {
      if (startStep > endStep) {
        throw MlflowException.invalid(
            "end_step must be greater than start_step. Found start_step="
                + startStep
                + " and end_step="
                + endStep
                + ".");
      }
    } else if (startStep != null || endStep != null) {
      throw MlflowException.invalid(
          "If either start step or end step are specified, both must be specified.");
    }
    List<Run> found = new ArrayList<>();
    List<List<MetricPoint>> histories = new ArrayList<>();
    NavigableSet<Long> allSteps = new TreeSet<>();
    Set<Long> minsAndMaxes = new TreeSet<>();
    for (String runId : runIds) {
      Run run = runs.find(runId);
      List<MetricPoint> points = logged.of(run.id(), key);
      found.add(run);
      histories.add(points);
      if (!points.isEmpty()) {
        minsAndMaxes.add(points.stream().mapToLong(MetricPoint::step).min().orElseThrow());
        minsAndMaxes.add(points.stream().mapToLong(MetricPoint::step).max().orElseThrow());
      }
      points.forEach(point -> allSteps.add(point.step()));
    }
    long start = startStep == null ? 0 : startStep;
    long end = endStep == null ? (allSteps.isEmpty() ? 0 : allSteps.last()) : endStep;
    Set<Long> steps = sampledSteps(start, end, (int) maxResults, new ArrayList<>(allSteps));
    minsAndMaxes.stream().filter(step -> start <= step && step <= end).forEach(steps::add);
    ObjectNode answer = MlflowJsonViews.object();
    ArrayNode metrics = answer.putArray("metrics");
    for (int i = 0; i < found.size(); i++) {
      List<MetricPoint> kept = new ArrayList<>();
      for (MetricPoint point : histories.get(i)) {
        if (steps.contains(point.step())) {
          kept.add(point);
        }
      }
      // MLflow's SQL store: ordered by step, then time; at most 25,000 points a run.
      kept.sort(
          Comparator.comparingLong(MetricPoint::step).thenComparingLong(MetricPoint::timestamp));
      String runId = found.get(i).runId();
      kept.stream().limit(MAX_HISTORY_RESULTS).forEach(point -> metrics.add(point.json(runId)));
    }
    return answer;
  }

  /**
   * MLflow's {@code _get_sampled_steps_from_steps}, line for line (its bound check compares an
   * absolute index with a count, which with a start step past the first drops the range's tail; the
   * last step is added anyway): the steps in [start, end] if at most {@code max} of them, else
   * {@code max} evenly spaced ones and the last.
   */
  static Set<Long> sampledSteps(long start, long end, int max, List<Long> sortedSteps) {
    int startIndex = lowerBound(sortedSteps, start);
    int endIndex = upperBound(sortedSteps, end);
    Set<Long> sampled = new TreeSet<>();
    if (endIndex - startIndex <= max) {
      sampled.addAll(sortedSteps.subList(startIndex, endIndex));
      return sampled;
    }
    int count = endIndex - startIndex;
    double interval = (double) count / max;
    for (int i = 0; i < max; i++) {
      int index = startIndex + (int) (i * interval);
      if (index < count) {
        sampled.add(sortedSteps.get(index));
      }
    }
    sampled.add(sortedSteps.get(endIndex - 1));
    return sampled;
  }

  /** Python's {@code bisect_left}. */
  private static int lowerBound(List<Long> sorted, long value) {
    int low = 0;
    int high = sorted.size();
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (sorted.get(middle) < value) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** Python's {@code bisect_right}. */
  private static int upperBound(List<Long> sorted, long value) {
    int low = 0;
    int high = sorted.size();
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (sorted.get(middle) <= value) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
