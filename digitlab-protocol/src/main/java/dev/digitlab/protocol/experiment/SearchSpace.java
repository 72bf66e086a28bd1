package dev.digitlab.protocol.experiment;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The hyperparameters an experiment varies around its base config. A grid tries every combination
 * (parameters in file order, the first varying slowest); a random search draws {@code samples}
 * trials from a generator seeded with {@code seed}.
 *
 * @param samples number of random trials; 0 for a grid
 * @param seed seed of the random draws; 0 for a grid
 */
public record SearchSpace(
    SearchType type, List<SearchParameter> parameters, int samples, long seed) {

  public SearchSpace {
    Objects.requireNonNull(type, "type");
    parameters = List.copyOf(parameters);
  }

  /** Every combination of the parameters' listed values. */
  public static SearchSpace grid(List<SearchParameter> parameters) {
    return new SearchSpace(SearchType.GRID, parameters, 0, 0);
  }

  /** {@code samples} seeded random draws over the parameters. */
  public static SearchSpace random(int samples, long seed, List<SearchParameter> parameters) {
    return new SearchSpace(SearchType.RANDOM, parameters, samples, seed);
  }

  /** The rules this search breaks, with their paths; empty when it is well formed. */
  public List<FieldError> violations() {
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
        errors.addAll(parameter.violations(type));
      }
    }
    if (type == SearchType.RANDOM && samples < 1) {
      errors.add(new FieldError("search.samples", "must be at least 1, got " + samples));
    }
    if (type == SearchType.GRID && (samples != 0 || seed != 0)) {
      errors.add(
          new FieldError(
              samples != 0 ? "search.samples" : "search.seed", "applies to random search only"));
    }
    return errors;
  }
}
