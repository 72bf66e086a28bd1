package dev.digitlab.server.experiments;

import java.util.List;
import java.util.Map;

/**
 * The experiments list seen as a runs table (issue 19): each experiment is one row with its best
 * trial's params and metrics (its first trial's while none has succeeded) and its trial counts as
 * metrics ({@code trials}, {@code trials_queued}, … {@code trials_cancelled}), filtered and ordered
 * with the runs table's grammar. The runs feature, which owns that grammar, implements it.
 */
public interface ExperimentRuns {

  /** The metrics every experiment has: its trial counts. */
  List<String> COUNT_METRICS =
      List.of(
          "trials",
          "trials_queued",
          "trials_running",
          "trials_succeeded",
          "trials_failed",
          "trials_cancelled");

  /** An experiment's values for the list's columns. */
  record Summary(Map<String, String> params, Map<String, Double> metrics) {

    public Summary {
      params = Map.copyOf(params);
      metrics = Map.copyOf(metrics);
    }
  }

  /** The summary of each of these experiments, by id. */
  Map<Long, Summary> summaries(List<Experiment> experiments, Map<Long, TrialCounts> counts);

  /**
   * The experiments {@code filter} keeps (the runs table's grammar: {@code metrics.test_accuracy >
   * 0.98 and params.model = 'cnn'}; attributes {@code status}, {@code run_name} for the name,
   * {@code user_id} for the owner, {@code start_time} for the creation), ordered by {@code order}
   * (e.g. {@code metrics.test_accuracy DESC}; null keeps their order). A bad filter or order is a
   * {@link dev.digitlab.server.api.InvalidParameterException} naming {@code filter} or {@code
   * order} and saying what to fix.
   */
  List<Experiment> filterAndSort(
      List<Experiment> experiments, Map<Long, Summary> summaries, String filter, String order);
}
