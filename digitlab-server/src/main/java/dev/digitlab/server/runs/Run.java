package dev.digitlab.server.runs;

import java.util.List;
import java.util.Map;

/**
 * A trial seen as an MLflow run, whatever its kind: what search filters, orders and shows. Times
 * are epoch milliseconds (null when not known); {@code status} is MLflow's ({@code RUNNING}, {@code
 * SCHEDULED}, {@code FINISHED}, {@code FAILED}, {@code KILLED}). {@code datasets} are the datasets
 * it logged as search compares them, or null when they were not read: only a search over datasets
 * reads them (see {@link RunReader}).
 */
public record Run(
    long id,
    long experimentId,
    String kind,
    String name,
    String user,
    String status,
    Long startTime,
    Long endTime,
    String lifecycleStage,
    Map<String, String> params,
    Map<String, LatestMetric> metrics,
    Map<String, String> tags,
    List<RunDataset> datasets) {

  public Run {
    params = Map.copyOf(params);
    metrics = Map.copyOf(metrics);
    tags = Map.copyOf(tags);
    datasets = datasets == null ? null : List.copyOf(datasets);
  }

  /** A run whose datasets were not read. */
  public Run(
      long id,
      long experimentId,
      String kind,
      String name,
      String user,
      String status,
      Long startTime,
      Long endTime,
      String lifecycleStage,
      Map<String, String> params,
      Map<String, LatestMetric> metrics,
      Map<String, String> tags) {
    this(
        id,
        experimentId,
        kind,
        name,
        user,
        status,
        startTime,
        endTime,
        lifecycleStage,
        params,
        metrics,
        tags,
        null);
  }

  /** The run id as MLflow clients see it: the trial id in decimal. */
  public String runId() {
    return Long.toString(id);
  }

  /** This run with other params, metrics and tags (what it merges from elsewhere). */
  Run with(
      Map<String, String> params, Map<String, LatestMetric> metrics, Map<String, String> tags) {
    return with(params, metrics, tags, datasets);
  }

  /** This run with the datasets it logged. */
  Run withDatasets(List<RunDataset> datasets) {
    return with(params, metrics, tags, datasets);
  }

  private Run with(
      Map<String, String> params,
      Map<String, LatestMetric> metrics,
      Map<String, String> tags,
      List<RunDataset> datasets) {
    return new Run(
        id,
        experimentId,
        kind,
        name,
        user,
        status,
        startTime,
        endTime,
        lifecycleStage,
        params,
        metrics,
        tags,
        datasets);
  }

  /** A metric's latest value (greatest step, then timestamp): what search compares. */
  public record LatestMetric(double value, long timestamp, long step) {}
}
