package dev.digitlab.protocol.experiment;

import dev.digitlab.ml.train.TrainingConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An experiment as submitted: a question asked of the trainer. The base config holds every
 * hyperparameter (defaults for those left out); the search space, when present, varies some of them
 * into trials; the objective says which trial is best.
 *
 * @param description free text; empty when not given
 * @param dataset the dataset every trial trains on; it is also the base config's dataset
 * @param search the hyperparameters to vary; null runs the base config as a single trial
 * @param maxParallelTrials how many trials of this experiment may run at once
 * @param priority higher runs first among queued experiments
 * @param pruner early stopping of trials by their per-step metric; null for none
 * @param command the program a command experiment runs instead of a built-in model; null for a
 *     built-in experiment. A command experiment's {@code config} is the default config and unused:
 *     its trials are the command's parameter values ({@link TrialExpansion#parameterTrials}), and
 *     its objective may name any metric its program reports
 * @param datasetSha256 the digest of {@code dataset} when it is a dataset a user registered on the
 *     server ({@code RegisteredDataset#digest}); null for a built-in one. The server fills it at
 *     submission; a spec that gives it (an exported one) is refused when the server's dataset of
 *     that name has other files. With the name it travels with the spec (export, clone)
 */
public record ExperimentSpec(
    String name,
    String description,
    List<String> tags,
    String dataset,
    TrainingConfig config,
    SearchSpace search,
    Objective objective,
    int maxParallelTrials,
    int priority,
    PrunerSpec pruner,
    CommandSpec command,
    String datasetSha256) {

  public static final int MAX_NAME_LENGTH = 200;
  public static final int MAX_DESCRIPTION_LENGTH = 10_000;
  public static final int MAX_TAGS = 20;
  public static final Pattern TAG = Pattern.compile("[a-z0-9][a-z0-9._-]{0,49}");
  public static final int MAX_PARALLEL_TRIALS = 64;
  public static final int MIN_PRIORITY = -100;
  public static final int MAX_PRIORITY = 100;

  /**
   * Fills defaults, and makes {@code dataset} the base config's dataset so the two never differ.
   */
  public ExperimentSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(config, "config");
    description = description == null ? "" : description;
    tags = tags == null ? List.of() : List.copyOf(tags);
    if (dataset == null) {
      dataset = config.dataset();
    } else if (!dataset.equals(config.dataset())) {
      config = config.toBuilder().dataset(dataset).build();
    }
    objective = objective == null ? Objective.DEFAULT : objective;
  }

  /** Whether this experiment runs a program ({@link #command}) rather than a built-in model. */
  public boolean isCommand() {
    return command != null;
  }

  /** This experiment with another command (the CLI's, once it uploaded the code). */
  public ExperimentSpec withCommand(CommandSpec newCommand) {
    return toBuilder().command(newCommand).build();
  }

  /** A single-trial experiment of {@code config} with every other field at its default. */
  public static ExperimentSpec of(String name, TrainingConfig config) {
    return builder(name, config).build();
  }

  /** This experiment with another search space. */
  public ExperimentSpec withSearch(SearchSpace newSearch) {
    return toBuilder().search(newSearch).build();
  }

  /** This experiment with its registered dataset's digest (null for a built-in dataset). */
  public ExperimentSpec withDatasetSha256(String sha256) {
    return toBuilder().datasetSha256(sha256).build();
  }

  /**
   * A builder of an experiment named {@code name} of base config {@code config}, every other field
   * at its default: one trial at a time, priority 0, the default objective, no search, no pruner,
   * no command.
   */
  public static Builder builder(String name, TrainingConfig config) {
    return new Builder(name, config);
  }

  /** A builder holding this experiment's fields, to change some of them. */
  public Builder toBuilder() {
    return new Builder(name, config)
        .description(description)
        .tags(tags)
        .dataset(dataset)
        .search(search)
        .objective(objective)
        .maxParallelTrials(maxParallelTrials)
        .priority(priority)
        .pruner(pruner)
        .command(command)
        .datasetSha256(datasetSha256);
  }

  /**
   * Builds an {@link ExperimentSpec} field by field, so that a new field adds a setter here, not
   * one more constructor; {@link #build} applies the record's defaults.
   */
  public static final class Builder {
    private String name;
    private TrainingConfig config;
    private String description = "";
    private List<String> tags = List.of();
    private String dataset;
    private SearchSpace search;
    private Objective objective;
    private int maxParallelTrials = 1;
    private int priority;
    private PrunerSpec pruner;
    private CommandSpec command;
    private String datasetSha256;

    private Builder(String name, TrainingConfig config) {
      this.name = name;
      this.config = config;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder config(TrainingConfig config) {
      this.config = config;
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder tags(List<String> tags) {
      this.tags = tags;
      return this;
    }

    /** The dataset; null takes the base config's. */
    public Builder dataset(String dataset) {
      this.dataset = dataset;
      return this;
    }

    public Builder search(SearchSpace search) {
      this.search = search;
      return this;
    }

    /** The objective; null takes {@link Objective#DEFAULT}. */
    public Builder objective(Objective objective) {
      this.objective = objective;
      return this;
    }

    public Builder maxParallelTrials(int maxParallelTrials) {
      this.maxParallelTrials = maxParallelTrials;
      return this;
    }

    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    public Builder pruner(PrunerSpec pruner) {
      this.pruner = pruner;
      return this;
    }

    public Builder command(CommandSpec command) {
      this.command = command;
      return this;
    }

    public Builder datasetSha256(String datasetSha256) {
      this.datasetSha256 = datasetSha256;
      return this;
    }

    public ExperimentSpec build() {
      return new ExperimentSpec(
          name,
          description,
          tags,
          dataset,
          config,
          search,
          objective,
          maxParallelTrials,
          priority,
          pruner,
          command,
          datasetSha256);
    }
  }

  /**
   * The rules of the experiment's own fields and of its search space's shape. The base config and
   * the trials are checked by {@link TrialExpansion}, which knows how the search changes them.
   */
  public List<FieldError> violations() {
    List<FieldError> errors = new ArrayList<>();
    if (name.isBlank()) {
      errors.add(new FieldError("name", "is required"));
    } else if (name.length() > MAX_NAME_LENGTH) {
      errors.add(
          new FieldError(
              "name", "must be at most " + MAX_NAME_LENGTH + " characters, got " + name.length()));
    }
    if (description.length() > MAX_DESCRIPTION_LENGTH) {
      errors.add(
          new FieldError(
              "description",
              "must be at most "
                  + MAX_DESCRIPTION_LENGTH
                  + " characters, got "
                  + description.length()));
    }
    if (tags.size() > MAX_TAGS) {
      errors.add(new FieldError("tags", "at most " + MAX_TAGS + " tags, got " + tags.size()));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      if (!TAG.matcher(tag).matches()) {
        errors.add(
            new FieldError(
                "tags[" + i + "]",
                "must be 1 to 50 lower-case letters, digits, '.', '_' or '-', starting with a"
                    + " letter or digit, got '"
                    + tag
                    + "'"));
      } else if (!seen.add(tag)) {
        errors.add(new FieldError("tags[" + i + "]", "repeats '" + tag + "'"));
      }
    }
    if (maxParallelTrials < 1 || maxParallelTrials > MAX_PARALLEL_TRIALS) {
      errors.add(
          new FieldError(
              "maxParallelTrials",
              "must be between 1 and " + MAX_PARALLEL_TRIALS + ", got " + maxParallelTrials));
    }
    if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
      errors.add(
          new FieldError(
              "priority",
              "must be between " + MIN_PRIORITY + " and " + MAX_PRIORITY + ", got " + priority));
    }
    if (search != null) {
      errors.addAll(search.violations(command != null));
    }
    if (pruner != null) {
      // A program's metrics are its own: whether it reports val_* is not for us to know.
      errors.addAll(pruner.violations(command != null ? 1 : config.validationRatio()));
    }
    if (command != null) {
      errors.addAll(CommandChecks.violations(command, search, objective));
    }
    return errors;
  }
}
