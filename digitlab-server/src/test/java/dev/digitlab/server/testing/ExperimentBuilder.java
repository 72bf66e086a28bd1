package dev.digitlab.server.testing;

import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.experiments.NewExperiment;
import dev.digitlab.server.queue.NewTrial;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** Builds experiments for tests: {@code anExperiment().withTrials(6).build()}. */
public final class ExperimentBuilder {

  private String name = "lr-and-batch";
  private String owner = "local";
  private List<String> tags = List.of();
  private Objective objective = Objective.DEFAULT;
  private int maxParallelTrials = 100;
  private int priority = 0;
  private String spec;
  private final List<NewTrial> trials = new ArrayList<>();

  private ExperimentBuilder() {}

  /**
   * An experiment file (JSON) with one trial, a 1-epoch MLP on MNIST, as a client posts it to
   * {@code /api/v1/experiments}: for tests of the API around a trial rather than of training.
   */
  public static String oneTrialFile(String name) {
    return """
        {"name": "%s", "dataset": "mnist",
         "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01},
         "search": {"type": "grid", "parameters": {"batchSize": [64]}}}
        """
        .formatted(name);
  }

  /** An experiment with one trial that any worker may run, maximising test macro-F1. */
  public static ExperimentBuilder anExperiment() {
    return new ExperimentBuilder().withTrials(1);
  }

  public ExperimentBuilder named(String newName) {
    name = newName;
    return this;
  }

  public ExperimentBuilder ownedBy(String newOwner) {
    owner = newOwner;
    return this;
  }

  public ExperimentBuilder taggedWith(String... newTags) {
    tags = List.of(newTags);
    return this;
  }

  /** Replaces the trials with {@code count} trials whose configs differ in learning rate. */
  public ExperimentBuilder withTrials(int count) {
    trials.clear();
    IntStream.range(0, count)
        .forEach(
            i -> trials.add(NewTrial.of("{\"model\":\"mlp\",\"learningRate\":0.00" + i + "}")));
    return this;
  }

  public ExperimentBuilder withTrial(NewTrial trial) {
    trials.add(trial);
    return this;
  }

  public ExperimentBuilder maxParallel(int newMaxParallelTrials) {
    maxParallelTrials = newMaxParallelTrials;
    return this;
  }

  public ExperimentBuilder priority(int newPriority) {
    priority = newPriority;
    return this;
  }

  public ExperimentBuilder objective(Objective newObjective) {
    objective = newObjective;
    return this;
  }

  /** The stored experiment file (JSON), e.g. one with a pruner; by default just the name. */
  public ExperimentBuilder spec(String json) {
    spec = json;
    return this;
  }

  public NewExperiment build() {
    return new NewExperiment(
        name,
        owner,
        "built by a test",
        tags,
        "mnist",
        spec != null ? spec : "{\"name\":\"" + name + "\"}",
        objective,
        maxParallelTrials,
        priority,
        trials);
  }
}
