package dev.digitlab.protocol.experiment;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The hyperparameters an experiment varies around its base config. A grid tries every combination
 * (parameters in file order, the first varying slowest); a random search draws {@code samples}
 * trials from a generator seeded with {@code seed}; a TPE search suggests up to {@code
 * tpe.maxTrials} trials one at a time from the finished ones.
 *
 * @param samples number of random trials; 0 for a grid
 * @param seed seed of the random draws or of the TPE; 0 for a grid
 * @param tpe the TPE's budget and settings; null unless the type is {@link SearchType#TPE}
 */
public record SearchSpace(
    SearchType type, List<SearchParameter> parameters, int samples, long seed, TpeSettings tpe) {

  /** The most trials a TPE search may keep pending at once. */
  public static final int MAX_PARALLELISM = ExperimentSpec.MAX_PARALLEL_TRIALS;

  public SearchSpace {
    Objects.requireNonNull(type, "type");
    parameters = List.copyOf(parameters);
  }

  /** Every combination of the parameters' listed values. */
  public static SearchSpace grid(List<SearchParameter> parameters) {
    return new SearchSpace(SearchType.GRID, parameters, 0, 0, null);
  }

  /** {@code samples} seeded random draws over the parameters. */
  public static SearchSpace random(int samples, long seed, List<SearchParameter> parameters) {
    return new SearchSpace(SearchType.RANDOM, parameters, samples, seed, null);
  }

  /** A TPE search of the parameters, seeded, within {@code tpe}'s budget. */
  public static SearchSpace tpe(TpeSettings tpe, long seed, List<SearchParameter> parameters) {
    return new SearchSpace(SearchType.TPE, parameters, 0, seed, Objects.requireNonNull(tpe));
  }

  /**
   * A TPE search's budget and settings.
   *
   * @param maxTrials trials to run in all
   * @param parallelism trials suggested ahead and pending at once; 0 takes the experiment's
   *     maxParallelTrials
   * @param timeoutSeconds no new trial is suggested this long after submission; 0 for no limit
   * @param startupTrials trials drawn at random before TPE takes over (Optuna's 10)
   */
  public record TpeSettings(
      int maxTrials, int parallelism, long timeoutSeconds, int startupTrials) {

    public static final int DEFAULT_STARTUP_TRIALS = 10;

    List<FieldError> violations() {
      List<FieldError> errors = new ArrayList<>();
      if (maxTrials < 1) {
        errors.add(new FieldError("search.maxTrials", "must be at least 1, got " + maxTrials));
      }
      if (parallelism < 0 || parallelism > MAX_PARALLELISM) {
        errors.add(
            new FieldError(
                "search.parallelism",
                "must be between 1 and " + MAX_PARALLELISM + ", got " + parallelism));
      }
      if (timeoutSeconds < 0) {
        errors.add(new FieldError("search.timeout", "must not be negative"));
      }
      if (startupTrials < 0) {
        errors.add(
            new FieldError("search.nStartupTrials", "must be 0 or more, got " + startupTrials));
      }
      return errors;
    }
  }

  /** The rules this search breaks, with their paths; empty when it is well formed. */
  public List<FieldError> violations() {
    return violations(false);
  }

  /**
   * As {@link #violations()}; for a {@code command} experiment the parameters are the program's
   * (see {@link SearchParameter#violations(SearchType, boolean)}).
   */
  public List<FieldError> violations(boolean command) {
    List<FieldError> errors = new ArrayList<>();
    if (parameters.isEmpty()) {
      errors.add(
          new FieldError(
              "search.parameters",
              "must name at least one parameter (leave search out to run the base config once)"));
    }
    Set<String> seen = new HashSet<>();
    for (SearchParameter parameter : parameters) {
      if (!seen.add(parameter.field())) {
        errors.add(new FieldError(parameter.path(), "appears twice"));
      } else {
        errors.addAll(parameter.violations(type, command));
      }
    }
    if (type == SearchType.RANDOM && samples < 1) {
      errors.add(new FieldError("search.samples", "must be at least 1, got " + samples));
    }
    if (type == SearchType.TPE && tpe != null) {
      errors.addAll(tpe.violations());
    }
    if (type == SearchType.GRID && (samples != 0 || seed != 0)) {
      errors.add(
          new FieldError(
              samples != 0 ? "search.samples" : "search.seed", "applies to random search only"));
    }
    return errors;
  }
}
