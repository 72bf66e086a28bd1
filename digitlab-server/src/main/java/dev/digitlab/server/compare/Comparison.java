package dev.digitlab.server.compare;

import dev.digitlab.server.web.ChartTrial;
import java.util.List;

/**
 * Trials side by side, whatever their kind (built-in trials and runs logged through the MLflow
 * API): what the compare page shows and {@code GET /api/v1/compare} returns. {@code trials} carry
 * their config (an MLflow run's params) and latest metrics; {@code metrics} is the table of final
 * values with the best of each marked; {@code config} the config rows, differing ones marked;
 * {@code missing} the ids asked for that are no trial.
 */
public record Comparison(
    List<ChartTrial> trials, List<MetricRow> metrics, List<ConfigRow> config, List<Long> missing) {

  /** One config field (or MLflow param) across the compared trials. */
  public record ConfigRow(String field, String label, List<String> values, boolean differs) {}

  /** One metric's final value per trial; {@code best} is the index of the best, or -1. */
  public record MetricRow(
      String key, String label, String direction, List<String> values, int best) {}
}
