package dev.digitlab.protocol.experiment;

import dev.digitlab.ml.train.ConfigViolation;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ParameterDomain.Choice;
import dev.digitlab.protocol.experiment.ParameterDomain.DoubleRange;
import dev.digitlab.protocol.experiment.ParameterDomain.IntRange;
import dev.digitlab.protocol.search.Distribution;
import dev.digitlab.protocol.search.RandomSampler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.DoubleNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns an experiment into the training configs of its trials, and refuses it with every problem
 * found when it cannot run. Each searched value is checked once, where the user wrote it ({@code
 * search.parameters.learningRate[1]}); problems of the base config are reported once at {@code
 * config.*}; only problems of a combination are reported per trial ({@code trials[3].*}).
 */
public final class TrialExpansion {

  /** The trial cap when the caller sets none. */
  public static final int DEFAULT_MAX_TRIALS = 256;

  // Past this, more per-trial messages bury the first ones without saying anything new.
  private static final int MAX_TRIAL_ERRORS = 10;

  private TrialExpansion() {}

  /**
   * The configs of the experiment's trials: the grid's combinations in order (first parameter
   * varying slowest), the random search's draws in order, or the base config alone; none for a TPE
   * search, whose trials are suggested while it runs ({@link TpeTrials}).
   *
   * @param maxTrials the cap; a search beyond it is refused before any trial is built
   * @throws InvalidExperimentException listing every problem when the experiment cannot run
   */
  public static List<TrainingConfig> expand(ExperimentSpec spec, int maxTrials) {
    if (spec.isCommand()) {
      throw new IllegalArgumentException(
          "a command experiment's trials are parameter values: call parameterTrials");
    }
    return checked(spec, maxTrials).stream().map(ConfigFields::config).toList();
  }

  /**
   * A command experiment's trials as their parameter values (a JSON object each: the base {@code
   * parameters} with the searched values set), in the same order {@link #expand} gives a built-in
   * experiment's; none for a TPE search.
   *
   * @throws InvalidExperimentException listing every problem when the experiment cannot run
   */
  public static List<ObjectNode> parameterTrials(ExperimentSpec spec, int maxTrials) {
    if (!spec.isCommand()) {
      throw new IllegalArgumentException("a built-in experiment's trials are configs: call expand");
    }
    return checked(spec, maxTrials);
  }

  /** A command's base parameter values as a JSON object, in file order. */
  public static ObjectNode parameterBase(CommandSpec command) {
    ObjectNode base = dev.digitlab.ml.json.Json.mapper().createObjectNode();
    command.parameters().forEach(base::set);
    return base;
  }

  private static List<ObjectNode> checked(ExperimentSpec spec, int maxTrials) {
    Outcome outcome = run(spec, maxTrials);
    if (!outcome.errors().isEmpty()) {
      throw new InvalidExperimentException(outcome.errors());
    }
    return outcome.trials();
  }

  /** The problems {@link #expand} would report; empty when the experiment can run. */
  static List<FieldError> errors(ExperimentSpec spec, int maxTrials) {
    return run(spec, maxTrials).errors();
  }

  /**
   * How many trials the experiment asks for, computed without building them; {@link Long#MAX_VALUE}
   * when the count does not fit in a long.
   */
  public static long trialCount(ExperimentSpec spec) {
    SearchSpace search = spec.search();
    if (search == null) {
      return 1;
    }
    return count(search, search.parameters());
  }

  private record Outcome(List<ObjectNode> trials, List<FieldError> errors) {}

  /** A parameter whose values passed their checks, in the form the config takes them. */
  private record Checked(String field, ParameterDomain domain, List<JsonNode> values) {}

  private static Outcome run(ExperimentSpec spec, int maxTrials) {
    if (maxTrials < 1) {
      throw new IllegalArgumentException("the trial cap must be at least 1, got " + maxTrials);
    }
    List<FieldError> errors = new ArrayList<>(spec.violations());
    SearchSpace search = spec.search();
    SearchType type = search == null ? SearchType.GRID : search.type();
    List<SearchParameter> wellFormed = new ArrayList<>();
    Set<String> searched = new HashSet<>();
    if (search != null) {
      for (SearchParameter parameter : search.parameters()) {
        if (searched.add(parameter.field())
            && parameter.violations(type, spec.isCommand()).isEmpty()) {
          wellFormed.add(parameter);
        }
      }
    }

    // Counted from the list sizes alone, so a 10^10 grid is refused without being built.
    long count = search == null ? 1 : count(search, wellFormed);
    boolean overCap = count > maxTrials;
    if (overCap) {
      errors.add(
          new FieldError(
              "search",
              "search expands to "
                  + (count == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : count)
                  + " trials; the cap is "
                  + maxTrials
                  + " (set digitlab.experiments.max-trials to raise it)"));
    }

    boolean command = spec.isCommand();
    ObjectNode base = command ? parameterBase(spec.command()) : ConfigFields.tree(spec.config());
    List<Checked> usable = new ArrayList<>();
    for (SearchParameter parameter : wellFormed) {
      Checked checked = command ? commandValues(parameter) : checkValues(parameter, base, errors);
      if (checked != null) {
        usable.add(checked);
      }
    }
    if (overCap) {
      return new Outcome(List.of(), errors);
    }

    List<Trial> trials;
    if (type == SearchType.GRID) {
      trials = gridTrials(usable, base);
    } else if (type == SearchType.TPE) {
      // TPE suggests its trials one by one while the search runs; random draws from the same
      // space check now, before anything is stored, that its combinations make valid configs.
      int checks = search.tpe() == null ? 1 : Math.max(1, Math.min(search.tpe().maxTrials(), 32));
      trials =
          randomTrials(
              SearchSpace.random(checks, search.seed(), search.parameters()), usable, base);
    } else if (search.samples() >= 1) {
      trials = randomTrials(search, usable, base);
    } else {
      // No valid sample count, yet the base config's own problems are worth reporting now.
      trials = gridTrials(List.of(), base);
    }
    Set<String> badFields = new HashSet<>(searched);
    usable.forEach(checked -> badFields.remove(checked.field()));
    if (!command) {
      // A program's parameters have no rules beyond their shape, checked with the command.
      reportTrialViolations(trials, searched, badFields, errors);
    }
    // A TPE search starts with no trials: the server adds each as it suggests it.
    boolean expanded = errors.isEmpty() && type != SearchType.TPE;
    return new Outcome(expanded ? trials.stream().map(Trial::tree).toList() : List.of(), errors);
  }

  private static long count(SearchSpace search, List<SearchParameter> parameters) {
    if (search.type() == SearchType.RANDOM) {
      return Math.max(search.samples(), 1);
    }
    if (search.type() == SearchType.TPE) {
      return search.tpe() == null ? 1 : Math.max(search.tpe().maxTrials(), 1);
    }
    long count = 1;
    for (SearchParameter parameter : parameters) {
      if (parameter.domain() instanceof Choice choice && !choice.values().isEmpty()) {
        try {
          count = Math.multiplyExact(count, choice.values().size());
        } catch (ArithmeticException e) {
          return Long.MAX_VALUE;
        }
      }
    }
    return count;
  }

  /** Checks each value of one parameter against the base config; null when one is bad. */
  private static Checked checkValues(
      SearchParameter parameter, ObjectNode base, List<FieldError> errors) {
    String field = parameter.field();
    int before = errors.size();
    List<JsonNode> values = new ArrayList<>();
    switch (parameter.domain()) {
      case Choice choice -> {
        for (int i = 0; i < choice.values().size(); i++) {
          JsonNode value =
              checkValue(
                  field, choice.values().get(i), base, parameter.path() + "[" + i + "]", errors);
          values.add(value);
        }
      }
      case DoubleRange range -> {
        checkValue(field, DoubleNode.valueOf(range.min()), base, parameter.path() + ".min", errors);
        checkValue(field, DoubleNode.valueOf(range.max()), base, parameter.path() + ".max", errors);
      }
      case IntRange range -> {
        checkValue(field, LongNode.valueOf(range.min()), base, parameter.path() + ".min", errors);
        checkValue(field, LongNode.valueOf(range.max()), base, parameter.path() + ".max", errors);
      }
    }
    return errors.size() == before ? new Checked(field, parameter.domain(), values) : null;
  }

  /** The value in canonical form, or null after reporting why it cannot be used at {@code path}. */
  private static JsonNode checkValue(
      String field, JsonNode raw, ObjectNode base, String path, List<FieldError> errors) {
    ConfigFields.FieldValue value = ConfigFields.read(field, raw);
    if (!value.ok()) {
      errors.add(new FieldError(path, value.problem()));
      return null;
    }
    ObjectNode tree = base.deepCopy();
    tree.set(field, value.value());
    boolean bad = false;
    for (ConfigViolation violation : ConfigFields.config(tree).violations()) {
      // Only the value's own rules: a rule linking it to another field may hold in other trials.
      if (ConfigFields.root(violation).equals(field)) {
        errors.add(
            new FieldError(
                path + violation.field().substring(field.length()), violation.message()));
        bad = true;
      }
    }
    return bad ? null : value.value();
  }

  /** A command parameter's values as written (their shape is checked with the command). */
  private static Checked commandValues(SearchParameter parameter) {
    List<JsonNode> values = new ArrayList<>();
    if (parameter.domain() instanceof Choice choice) {
      for (JsonNode value : choice.values()) {
        if (!CommandChecks.scalar(value)) {
          return null;
        }
        values.add(value);
      }
    }
    return new Checked(parameter.field(), parameter.domain(), values);
  }

  /** One trial: its values (a config's tree, or a command's parameters) and what made it. */
  private record Trial(ObjectNode tree, String label) {
    TrainingConfig config() {
      return ConfigFields.config(tree);
    }
  }

  private static List<Trial> gridTrials(List<Checked> parameters, ObjectNode base) {
    long total = 1;
    for (Checked parameter : parameters) {
      total *= parameter.values().size();
    }
    List<Trial> trials = new ArrayList<>((int) total);
    JsonNode[] chosen = new JsonNode[parameters.size()];
    for (long k = 0; k < total; k++) {
      long rest = k;
      // The last parameter varies fastest, like nested loops written in file order.
      for (int j = parameters.size() - 1; j >= 0; j--) {
        List<JsonNode> values = parameters.get(j).values();
        chosen[j] = values.get((int) (rest % values.size()));
        rest /= values.size();
      }
      trials.add(trial(parameters, chosen, base));
    }
    return trials;
  }

  private static List<Trial> randomTrials(
      SearchSpace search, List<Checked> parameters, ObjectNode base) {
    // Optuna's RandomSampler(seed) numbers, through the sampler TPE's startup trials use: the same
    // seed gives the trials Optuna's random search suggests, on every machine and release.
    Map<String, Distribution> space = new LinkedHashMap<>();
    for (Checked parameter : parameters) {
      space.put(parameter.field(), TpeTrials.distribution(parameter.domain()));
    }
    RandomSampler sampler = new RandomSampler(search.seed());
    List<Trial> trials = new ArrayList<>(search.samples());
    JsonNode[] chosen = new JsonNode[parameters.size()];
    for (int k = 0; k < search.samples(); k++) {
      Map<String, Double> drawn = sampler.suggest(k, space, List.of(), false);
      for (int j = 0; j < parameters.size(); j++) {
        Checked parameter = parameters.get(j);
        double value = drawn.get(parameter.field());
        chosen[j] =
            switch (parameter.domain()) {
              case Choice choice -> parameter.values().get((int) value);
              case DoubleRange range -> DoubleNode.valueOf(value);
              case IntRange range -> LongNode.valueOf((long) value);
            };
      }
      trials.add(trial(parameters, chosen, base));
    }
    return trials;
  }

  private static Trial trial(List<Checked> parameters, JsonNode[] chosen, ObjectNode base) {
    ObjectNode tree = base.deepCopy();
    StringBuilder label = new StringBuilder();
    for (int j = 0; j < parameters.size(); j++) {
      String field = parameters.get(j).field();
      tree.set(field, chosen[j]);
      if (!label.isEmpty()) {
        label.append(", ");
      }
      label
          .append(field)
          .append('=')
          .append(chosen[j].isString() ? chosen[j].asString() : chosen[j].toString());
    }
    return new Trial(tree, label.toString());
  }

  private static void reportTrialViolations(
      List<Trial> trials, Set<String> searched, Set<String> badFields, List<FieldError> errors) {
    Map<ConfigViolation, List<Integer>> where = new LinkedHashMap<>();
    for (int k = 0; k < trials.size(); k++) {
      for (ConfigViolation violation : trials.get(k).config().violations()) {
        // A bad searched value was already reported where it was written.
        if (!badFields.contains(ConfigFields.root(violation))) {
          where.computeIfAbsent(violation, v -> new ArrayList<>()).add(k);
        }
      }
    }
    int perTrial = 0;
    int omitted = 0;
    for (Map.Entry<ConfigViolation, List<Integer>> entry : where.entrySet()) {
      ConfigViolation violation = entry.getKey();
      String root = ConfigFields.root(violation);
      if (!searched.contains(root) && entry.getValue().size() == trials.size()) {
        // Every trial inherits it unchanged: it is the base config's problem.
        String path = root.equals("dataset") ? "dataset" : "config." + violation.field();
        errors.add(new FieldError(path, violation.message()));
        continue;
      }
      for (int k : entry.getValue()) {
        if (perTrial == MAX_TRIAL_ERRORS) {
          omitted++;
          continue;
        }
        perTrial++;
        errors.add(
            new FieldError(
                "trials[" + k + "]." + violation.field(),
                violation.message() + " (in the trial with " + trials.get(k).label() + ")"));
      }
    }
    if (omitted > 0) {
      errors.add(new FieldError("trials", omitted + " more problems like these in other trials"));
    }
  }
}
