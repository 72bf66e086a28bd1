package dev.digitlab.server.experiments;

/**
 * The orders an experiment list can come in; each column has an index (see the V1 and V7
 * migrations), and {@link #TRIALS_DONE} counts through the trial table's experiment index.
 */
public enum ExperimentSort {
  CREATED("created_at"),
  UPDATED("updated_at"),
  NAME("name"),
  OWNER("owner"),
  BEST_OBJECTIVE("best_objective"),
  BEST_TEST_ACCURACY("best_test_accuracy"),
  BEST_TEST_F1_MACRO("best_test_f1_macro"),
  TOTAL_TRAIN_SECONDS("total_train_seconds"),
  STATUS("status"),
  // Finished trials (any end), counted per row: the web list sorts by every column it shows.
  TRIALS_DONE(
      "(SELECT COUNT(*) FROM trial t WHERE t.experiment_id = experiment.id"
          + " AND t.status IN ('succeeded', 'failed', 'cancelled'))");

  // A fixed column or expression, never user text: it is pasted into ORDER BY.
  final String column;

  ExperimentSort(String column) {
    this.column = column;
  }
}
