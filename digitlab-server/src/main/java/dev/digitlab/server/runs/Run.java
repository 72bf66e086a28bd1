package dev.digitlab.server.runs;

import java.util.Map;

/**
 * A trial seen as an MLflow run, whatever its kind: what search filters, orders and shows. Times
 * are epoch milliseconds (null when not known); {@code status} is MLflow's ({@code RUNNING}, {@code
 * SCHEDULED}, {@code FINISHED}, {@code FAILED}, {@code KILLED}).
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
    Map<String, String> tags) {

  public Run {
    params = Map.copyOf(params);
    metrics = Map.copyOf(metrics);
    tags = Map.copyOf(tags);
  }

  /** The run id as MLflow clients see it: the trial id in decimal. */
  public String runId() {
    return Long.toString(id);
  }

  /** This run with other params, metrics and tags (what it merges from elsewhere). */
  Run with(
      Map<String, String> params, Map<String, LatestMetric> metrics, Map<String, String> tags) {
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
        tags);
  }

  /** A metric's latest value (greatest step, then timestamp): what search compares. */
  public record LatestMetric(double value, long timestamp, long step) {}
}
