package dev.digitlab.server.experiments;

/** The orders an experiment list can come in; each has an index (see the V1 migration). */
public enum ExperimentSort {
  CREATED("created_at"),
  UPDATED("updated_at"),
  NAME("name"),
  BEST_OBJECTIVE("best_objective"),
  BEST_TEST_ACCURACY("best_test_accuracy"),
  BEST_TEST_F1_MACRO("best_test_f1_macro"),
  TOTAL_TRAIN_SECONDS("total_train_seconds");

  // A fixed column name, never user text: it is pasted into ORDER BY.
  final String column;

  ExperimentSort(String column) {
    this.column = column;
  }
}
