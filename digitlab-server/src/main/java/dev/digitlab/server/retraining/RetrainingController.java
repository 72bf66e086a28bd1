package dev.digitlab.server.retraining;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.registry.ModelRegistry;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/models/{name}/retraining}: a model's retraining policy. */
@RestController
class RetrainingController {

  private final RetrainingStore store;
  private final Retrainer retrainer;
  private final ModelRegistry registry;
  private final DatasetRegistry datasets;

  RetrainingController(
      RetrainingStore store,
      Retrainer retrainer,
      ModelRegistry registry,
      DatasetRegistry datasets) {
    this.store = store;
    this.retrainer = retrainer;
    this.registry = registry;
    this.datasets = datasets;
  }

  /** Fields left out keep their current (or default) values. */
  record PolicyChange(
      Boolean enabled, Integer threshold, String baseDataset, Double gateTolerance) {}

  @GetMapping("/api/v1/models/{name}/retraining")
  RetrainingPolicy get(@PathVariable String name) {
    registry.get(name);
    return store.find(name).orElse(RetrainingPolicy.defaults(name));
  }

  /** Changes the policy; with enough unused feedback already, a retraining starts at once. */
  @PutMapping("/api/v1/models/{name}/retraining")
  RetrainingPolicy put(@PathVariable String name, @RequestBody PolicyChange change) {
    registry.get(name);
    RetrainingPolicy current = store.find(name).orElse(RetrainingPolicy.defaults(name));
    int threshold = change.threshold() == null ? current.threshold() : change.threshold();
    if (threshold < 1 || threshold > 1_000_000) {
      throw new InvalidParameterException("threshold", "must be between 1 and 1000000");
    }
    double tolerance =
        change.gateTolerance() == null ? current.gateTolerance() : change.gateTolerance();
    if (!(tolerance >= 0 && tolerance <= 1)) {
      throw new InvalidParameterException("gateTolerance", "must be between 0 and 1");
    }
    String dataset = change.baseDataset() == null ? current.baseDataset() : change.baseDataset();
    dataset = baseDataset(dataset);
    store.save(
        new RetrainingPolicy(
            name,
            change.enabled() == null ? current.enabled() : change.enabled(),
            threshold,
            dataset,
            tolerance,
            null,
            null));
    retrainer.maybeStart(name);
    return store.find(name).orElseThrow();
  }

  /**
   * The built-in dataset {@code name} names. A registered dataset is refused by name: the
   * retraining's data ({@code RetrainingData}) and the quality gate read a built-in dataset's
   * training and test sets, and feedback labels are digits 0-9, which a registered dataset of other
   * classes would not match.
   */
  private String baseDataset(String name) {
    String builtIn = String.join(", ", DatasetId.names());
    if (datasets.find(name).isPresent()) {
      throw new InvalidParameterException(
          "baseDataset",
          "'"
              + name
              + "' is a registered dataset; a retraining adds feedback to a built-in dataset"
              + " only: "
              + builtIn);
    }
    return DatasetId.find(name)
        .map(DatasetId::id)
        .orElseThrow(
            () ->
                new InvalidParameterException(
                    "baseDataset",
                    "no built-in dataset '"
                        + name
                        + "'; a retraining's base is one of "
                        + builtIn));
  }
}
