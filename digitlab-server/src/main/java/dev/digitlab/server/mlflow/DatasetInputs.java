package dev.digitlab.server.mlflow;

import dev.digitlab.server.runs.RunDataset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;

/**
 * A run's dataset inputs as MLflow's server keeps them: one per dataset (name and digest), the
 * first logged, with that input's tags and dataset as sent. A later input of the same dataset, in
 * the same {@code log-inputs} or another (a script calling {@code log_input} in a loop, or with
 * another context), is not the run's: MLflow's store drops it at write (its {@code
 * _log_inputs_impl} keeps a request's first input of each dataset and skips one the run already
 * has). Inputs are stored as sent, as JSON.
 */
final class DatasetInputs {

  private DatasetInputs() {}

  /**
   * Of the inputs {@code sent}, those that log a dataset neither {@code stored} nor sent before
   * them, in the order sent. An input without a dataset is kept as it is.
   */
  static List<String> newOnes(List<String> stored, List<String> sent) {
    Set<List<String>> seen = new HashSet<>();
    for (String input : stored) {
      List<String> key = key(input);
      if (key != null) {
        seen.add(key);
      }
    }
    List<String> kept = new ArrayList<>(sent.size());
    for (String input : sent) {
      List<String> key = key(input);
      if (key == null || seen.add(key)) {
        kept.add(input);
      }
    }
    return kept;
  }

  /**
   * The first input of each dataset among a run's stored inputs, in the order logged: what MLflow
   * answers. Rows stored before Digit Lab dropped duplicates at write, or by two log-inputs at
   * once, may hold a dataset twice.
   */
  static List<String> firstOfEach(List<String> stored) {
    return newOnes(List.of(), stored);
  }

  private static List<String> key(String input) {
    try {
      RunDataset dataset = RunDataset.of(MlflowRequest.JSON.readTree(input));
      return dataset == null ? null : dataset.key();
    } catch (JacksonException e) {
      return null; // stored by log-inputs from a parsed request: always JSON
    }
  }
}
