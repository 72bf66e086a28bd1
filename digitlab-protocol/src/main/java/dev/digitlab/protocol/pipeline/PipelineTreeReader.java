package dev.digitlab.protocol.pipeline;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.protocol.experiment.ClosestName;
import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks a pipeline tree and expands its sweeps. Collects every problem it can before throwing, so
 * that a user fixes a file in one pass; each message starts with the step it is about.
 *
 * <p>Sweep rule: a step with {@code sweep} becomes one copy per value ({@code train-600}...); a
 * step that depends on a swept step is fanned out with it, copy for copy ({@code benchmark-600}
 * depends on {@code train-600}), unless it gathers ({@code summary}), in which case it depends on
 * every copy.
 */
final class PipelineTreeReader {

  static final int MAX_STEPS = 200;
  static final int MAX_SWEEP_VALUES = 50;
  static final int MAX_ATTEMPTS = 10;
  static final long MAX_TIMEOUT_SECONDS = 86_400;
  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  static final Duration DEFAULT_TRAIN_TIMEOUT = Duration.ofHours(2);

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Set<String> TOP = Set.of("name", "description", "maxParallelSteps", "steps");
  private static final Set<String> STEP =
      Set.of(
          "name",
          "type",
          "parameters",
          "dependsOn",
          "retries",
          "timeoutSeconds",
          "faults",
          "sweep");
  private static final Set<String> RETRIES = Set.of("maxAttempts", "backoffSeconds");
  private static final Set<String> FAULTS = Set.of("fail", "hang");
  private static final Set<String> SWEEP = Set.of("parameter", "values");
  private static final Map<StepType, Set<String>> PARAMETERS =
      Map.of(
          StepType.INGEST, Set.of("dataset", "datasetSha256"),
          StepType.SPLIT, Set.of("dataset", "datasetSha256", "ratio", "seed"),
          StepType.EDA, Set.of("dataset", "datasetSha256", "samplesPerClass"),
          StepType.BENCHMARK, Set.of(),
          StepType.SUMMARY, Set.of("metric", "goal"),
          StepType.COMMAND, Set.of());

  /**
   * A command step's own parameters; every other one is a parameter of its program (a {@code
   * --name=value} argument). {@code env} and {@code directory} were the server's own process
   * settings before command steps moved to workers (issue 17): they are refused with what to do.
   */
  private static final Set<String> COMMAND_OWN = Set.of("executable", "args", "code");

  private final ExperimentFiles experiments;
  private final List<FieldError> errors = new ArrayList<>();

  PipelineTreeReader(ExperimentFiles experiments) {
    this.experiments = experiments;
  }

  /** A step as written, before expansion. */
  private record Written(
      String name,
      StepType type,
      ObjectNode parameters,
      List<String> dependsOn,
      int maxAttempts,
      Duration backoff,
      Duration timeout,
      StepFaults faults,
      String sweepParameter,
      List<JsonNode> sweepValues) {}

  PipelineSpec read(JsonNode root) {
    if (!root.isObject()) {
      throw invalid("", "a pipeline is a mapping with a name and a list of steps");
    }
    unknown(root, TOP, "", "");
    String name = root.path("name").asString("");
    if (!root.path("name").isString() || name.isBlank()) {
      errors.add(new FieldError("name", "give the pipeline a name, e.g. name: mnist-train-sizes"));
    }
    String description = root.path("description").asString("");
    int maxParallel = 2;
    if (root.has("maxParallelSteps")) {
      JsonNode node = root.get("maxParallelSteps");
      if (!node.canConvertToInt()
          || !node.isIntegralNumber()
          || node.asInt() < 1
          || node.asInt() > 64) {
        errors.add(new FieldError("maxParallelSteps", "must be a whole number from 1 to 64"));
      } else {
        maxParallel = node.asInt();
      }
    }
    JsonNode stepsNode = root.get("steps");
    if (stepsNode == null || !stepsNode.isArray() || stepsNode.isEmpty()) {
      errors.add(new FieldError("steps", "list at least one step (name, type, parameters)"));
      throw new InvalidPipelineException(errors);
    }
    if (stepsNode.size() > MAX_STEPS) {
      throw invalid("steps", "a pipeline has at most " + MAX_STEPS + " steps");
    }
    Map<String, Written> written = new LinkedHashMap<>();
    for (int i = 0; i < stepsNode.size(); i++) {
      Written step = readStep(stepsNode.get(i), i);
      if (step == null) {
        continue;
      }
      if (written.containsKey(step.name())) {
        errors.add(
            new FieldError(
                "steps." + step.name(), "step '" + step.name() + "' is defined twice; rename one"));
      } else {
        written.put(step.name(), step);
      }
    }
    for (Written step : written.values()) {
      for (String dependency : step.dependsOn()) {
        if (!written.containsKey(dependency)) {
          errors.add(
              new FieldError(
                  "steps." + step.name() + ".dependsOn",
                  "step '"
                      + step.name()
                      + "' depends on '"
                      + dependency
                      + "', which is not a step of this pipeline"
                      + ClosestName.hint(dependency, written.keySet())));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidPipelineException(errors);
    }
    List<Written> ordered = topologicalOrder(written);
    List<StepSpec> steps = expand(ordered);
    for (StepSpec step : steps) {
      checkParameters(step);
    }
    errors.addAll(benchmarkErrors(new PipelineSpec(name, description, maxParallel, steps)));
    if (!errors.isEmpty()) {
      throw new InvalidPipelineException(errors);
    }
    return new PipelineSpec(name, description, maxParallel, steps);
  }

  private Written readStep(JsonNode node, int index) {
    String at = "steps[" + index + "]";
    if (!node.isObject()) {
      errors.add(new FieldError(at, "a step is a mapping with name, type and parameters"));
      return null;
    }
    String name = node.path("name").asString("");
    if (!node.path("name").isString() || !NAME.matcher(name).matches()) {
      errors.add(
          new FieldError(
              at + ".name",
              "step "
                  + (index + 1)
                  + " needs a name of lower-case letters, digits, '-' and '_' (at most 63),"
                  + " got '"
                  + name
                  + "'"));
      return null;
    }
    String path = "steps." + name;
    String who = "step '" + name + "': ";
    unknown(node, STEP, path, who);
    String typeName = node.path("type").asString("");
    StepType type = StepType.named(typeName).orElse(null);
    if (type == null) {
      errors.add(
          new FieldError(
              path + ".type",
              who
                  + (typeName.isEmpty() ? "missing type" : "unknown type '" + typeName + "'")
                  + "; use one of "
                  + String.join(", ", StepType.names())
                  + ClosestName.hint(typeName, StepType.names())));
    }
    ObjectNode parameters = JsonNodeFactory.instance.objectNode();
    if (node.has("parameters")) {
      if (node.get("parameters").isObject()) {
        parameters = (ObjectNode) node.get("parameters").deepCopy();
      } else {
        errors.add(new FieldError(path + ".parameters", who + "parameters must be a mapping"));
      }
    }
    List<String> dependsOn = new ArrayList<>();
    JsonNode deps = node.get("dependsOn");
    if (deps != null) {
      if (deps.isString()) {
        dependsOn.add(deps.asString());
      } else if (deps.isArray()) {
        deps.forEach(d -> dependsOn.add(d.asString()));
      } else {
        errors.add(new FieldError(path + ".dependsOn", who + "dependsOn is a list of step names"));
      }
    }
    int maxAttempts = 1;
    Duration backoff = Duration.ZERO;
    JsonNode retries = node.get("retries");
    if (retries != null) {
      if (!retries.isObject()) {
        errors.add(
            new FieldError(
                path + ".retries",
                who + "retries is a mapping: {maxAttempts: 3, backoffSeconds: 1}"));
      } else {
        unknown(retries, RETRIES, path + ".retries", who);
        maxAttempts =
            (int)
                whole(
                    retries.get("maxAttempts"),
                    1,
                    MAX_ATTEMPTS,
                    1,
                    path + ".retries.maxAttempts",
                    who);
        backoff =
            seconds(
                retries.get("backoffSeconds"),
                0,
                3600,
                Duration.ZERO,
                path + ".retries.backoffSeconds",
                who);
      }
    }
    Duration timeout =
        seconds(
            node.get("timeoutSeconds"),
            0.001,
            MAX_TIMEOUT_SECONDS,
            type == StepType.TRAIN ? DEFAULT_TRAIN_TIMEOUT : DEFAULT_TIMEOUT,
            path + ".timeoutSeconds",
            who);
    StepFaults faults = StepFaults.NONE;
    JsonNode faultsNode = node.get("faults");
    if (faultsNode != null) {
      if (!faultsNode.isObject()) {
        errors.add(
            new FieldError(path + ".faults", who + "faults is a mapping: {fail: 2, hang: 1}"));
      } else {
        unknown(faultsNode, FAULTS, path + ".faults", who);
        faults =
            new StepFaults(
                (int) whole(faultsNode.get("fail"), 0, MAX_ATTEMPTS, 0, path + ".faults.fail", who),
                (int)
                    whole(faultsNode.get("hang"), 0, MAX_ATTEMPTS, 0, path + ".faults.hang", who));
      }
    }
    String sweepParameter = null;
    List<JsonNode> sweepValues = List.of();
    JsonNode sweep = node.get("sweep");
    if (sweep != null) {
      if (!sweep.isObject()) {
        errors.add(
            new FieldError(
                path + ".sweep",
                who + "sweep is a mapping: {parameter: trainSubset, values: [600, 800]}"));
      } else {
        unknown(sweep, SWEEP, path + ".sweep", who);
        sweepParameter = sweep.path("parameter").asString("");
        if (sweepParameter.isEmpty()) {
          errors.add(new FieldError(path + ".sweep.parameter", who + "name the swept parameter"));
        }
        JsonNode values = sweep.get("values");
        if (values == null
            || !values.isArray()
            || values.isEmpty()
            || values.size() > MAX_SWEEP_VALUES) {
          errors.add(
              new FieldError(
                  path + ".sweep.values",
                  who + "list 1 to " + MAX_SWEEP_VALUES + " values to sweep over"));
        } else {
          List<JsonNode> list = new ArrayList<>();
          Set<String> seen = new LinkedHashSet<>();
          for (JsonNode value : values) {
            if (!value.isValueNode() || value.isNull()) {
              errors.add(
                  new FieldError(path + ".sweep.values", who + "sweep values are numbers or text"));
            } else if (!seen.add(suffix(value))) {
              errors.add(
                  new FieldError(
                      path + ".sweep.values", who + "the value " + value + " appears twice"));
            } else {
              list.add(value);
            }
          }
          sweepValues = list;
        }
      }
    }
    return new Written(
        name,
        type,
        parameters,
        dependsOn,
        maxAttempts,
        backoff,
        timeout,
        faults,
        sweepParameter,
        sweepValues);
  }

  /** Kahn's order; a cycle is reported with the steps on it. */
  private List<Written> topologicalOrder(Map<String, Written> steps) {
    Map<String, Integer> pending = new HashMap<>();
    steps.values().forEach(s -> pending.put(s.name(), new LinkedHashSet<>(s.dependsOn()).size()));
    List<Written> ordered = new ArrayList<>();
    List<String> ready = new ArrayList<>();
    steps.values().stream()
        .filter(s -> pending.get(s.name()) == 0)
        .forEach(s -> ready.add(s.name()));
    while (!ready.isEmpty()) {
      String next = ready.removeFirst();
      ordered.add(steps.get(next));
      for (Written step : steps.values()) {
        if (new LinkedHashSet<>(step.dependsOn()).contains(next)
            && pending.merge(step.name(), -1, Integer::sum) == 0) {
          ready.add(step.name());
        }
      }
    }
    if (ordered.size() < steps.size()) {
      List<String> onCycle = cycle(steps, pending);
      throw invalid(
          "steps." + onCycle.getFirst() + ".dependsOn",
          "step '"
              + onCycle.getFirst()
              + "' depends on itself through "
              + String.join(" → ", onCycle)
              + "; remove one of these dependencies");
    }
    return ordered;
  }

  /** One cycle among the steps Kahn's order could not place, as a path back to its start. */
  private static List<String> cycle(Map<String, Written> steps, Map<String, Integer> pending) {
    String start =
        steps.keySet().stream().filter(n -> pending.get(n) > 0).findFirst().orElseThrow();
    List<String> path = new ArrayList<>();
    String current = start;
    while (!path.contains(current)) {
      path.add(current);
      current =
          steps.get(current).dependsOn().stream()
              .filter(d -> pending.get(d) > 0)
              .findFirst()
              .orElseThrow();
    }
    List<String> loop = new ArrayList<>(path.subList(path.indexOf(current), path.size()));
    loop.add(current);
    return loop;
  }

  private List<StepSpec> expand(List<Written> ordered) {
    // For each written step: the sweep its copies follow (parameter, values) and their names.
    Map<String, Written> sweepOf = new HashMap<>();
    Map<String, Map<String, String>> copyNames = new HashMap<>();
    List<StepSpec> steps = new ArrayList<>();
    for (Written step : ordered) {
      String who = "step '" + step.name() + "': ";
      Written sweep = step.sweepParameter() != null ? step : null;
      if (step.type() != null && !step.type().gathers()) {
        for (String dependency : step.dependsOn()) {
          Written inherited = sweepOf.get(dependency);
          if (inherited == null || inherited == sweep) {
            continue;
          }
          if (sweep != null) {
            errors.add(
                new FieldError(
                    "steps." + step.name() + ".dependsOn",
                    who
                        + "it sweeps '"
                        + sweep.sweepParameter()
                        + "' and also follows the sweep of '"
                        + inherited.name()
                        + "'; a step follows at most one sweep"));
          } else {
            sweep = inherited;
          }
        }
      }
      if (sweep == null) {
        List<String> deps = new ArrayList<>();
        for (String dependency : step.dependsOn()) {
          Map<String, String> copies = copyNames.get(dependency);
          if (copies == null) {
            deps.add(dependency);
          } else {
            deps.addAll(copies.values());
          }
        }
        steps.add(spec(step, step.name(), step.parameters(), deps, null, null));
        continue;
      }
      sweepOf.put(step.name(), sweep);
      Map<String, String> copies = new LinkedHashMap<>();
      for (JsonNode value : sweep.sweepValues()) {
        String copy = step.name() + "-" + suffix(value);
        copies.put(suffix(value), copy);
        ObjectNode parameters = step.parameters().deepCopy();
        if (sweep == step) {
          parameters.set(step.sweepParameter(), value);
        }
        List<String> deps = new ArrayList<>();
        for (String dependency : step.dependsOn()) {
          Map<String, String> depCopies = copyNames.get(dependency);
          if (depCopies == null) {
            deps.add(dependency);
          } else if (sweepOf.get(dependency) == sweep) {
            deps.add(depCopies.get(suffix(value)));
          } else {
            deps.addAll(depCopies.values());
          }
        }
        steps.add(spec(step, copy, parameters, deps, sweep.sweepParameter(), value.asString()));
      }
      copyNames.put(step.name(), copies);
    }
    return steps;
  }

  private static StepSpec spec(
      Written step,
      String name,
      ObjectNode parameters,
      List<String> deps,
      String sweepParameter,
      String sweepValue) {
    return new StepSpec(
        name,
        step.type(),
        parameters,
        List.copyOf(new LinkedHashSet<>(deps)),
        step.maxAttempts(),
        step.backoff(),
        step.timeout(),
        step.faults(),
        sweepParameter,
        sweepValue);
  }

  /**
   * A step's {@code dataset}: a built-in one, or the name of one registered on the server (which
   * the server resolves, and refuses if it does not know it, when the pipeline is submitted); and
   * the optional {@code datasetSha256} the server records for a registered one.
   */
  private void checkDataset(ObjectNode p, String path, String who) {
    JsonNode dataset = p.get("dataset");
    if (dataset != null) {
      String name = dataset.isString() ? dataset.asString() : dataset.toString();
      if (DatasetId.find(name).isEmpty() && !RegisteredDataset.NAME.matcher(name).matches()) {
        errors.add(
            new FieldError(
                path + ".dataset",
                who
                    + "dataset must be "
                    + String.join(", ", DatasetId.names())
                    + " or the name of a dataset registered with 'digitlab data add', got '"
                    + name
                    + "'"));
      }
    }
    JsonNode sha = p.get("datasetSha256");
    if (sha != null && !RegisteredDataset.isSha256(sha.asString(""))) {
      errors.add(
          new FieldError(
              path + ".datasetSha256",
              who
                  + "datasetSha256 must be the 64 lower-case hex digits of a registered dataset's"
                  + " digest, got '"
                  + sha.asString(sha.toString())
                  + "'"));
    }
  }

  private void checkParameters(StepSpec step) {
    String path = "steps." + step.name() + ".parameters";
    String who = "step '" + step.name() + "': ";
    ObjectNode p = step.parameters();
    if (step.type() == StepType.TRAIN) {
      try {
        new PipelineFiles().trainingConfig(step);
      } catch (InvalidPipelineException e) {
        errors.addAll(e.errors());
      } catch (InvalidExperimentException e) {
        errors.addAll(e.errors());
      }
      return;
    }
    if (step.type() != StepType.COMMAND) {
      unknown(p, PARAMETERS.get(step.type()), path, who);
    }
    checkDataset(p, path, who);
    switch (step.type()) {
      case SPLIT -> {
        JsonNode ratio = p.get("ratio");
        if (ratio != null
            && (!ratio.isNumber() || ratio.asDouble() <= 0 || ratio.asDouble() >= 1)) {
          errors.add(
              new FieldError(
                  path + ".ratio",
                  who
                      + "ratio is the training share, a number between 0 and 1 (e.g. 0.7), got "
                      + ratio));
        }
        whole(p.get("seed"), 0, Integer.MAX_VALUE, 42, path + ".seed", who);
      }
      case EDA -> whole(p.get("samplesPerClass"), 1, 32, 8, path + ".samplesPerClass", who);
      case BENCHMARK -> {
        // checked against the other steps below
      }
      case SUMMARY -> {
        if (p.has("goal") && !Set.of("max", "min").contains(p.get("goal").asString())) {
          errors.add(new FieldError(path + ".goal", who + "goal is max or min"));
        }
        if (p.has("metric") && !p.get("metric").isString()) {
          errors.add(new FieldError(path + ".metric", who + "metric is a name, e.g. accuracy"));
        }
      }
      case COMMAND -> {
        if (!p.path("executable").isString() || p.path("executable").asString().isBlank()) {
          errors.add(
              new FieldError(
                  path + ".executable",
                  who + "name the executable to run, e.g. executable: python3"));
        }
        if (p.has("args")
            && (!p.get("args").isArray()
                || p.get("args").valueStream().anyMatch(a -> !a.isValueNode() || a.isNull()))) {
          errors.add(new FieldError(path + ".args", who + "args is a list of text or numbers"));
        }
        p.properties()
            .forEach(
                extra -> {
                  if (!COMMAND_OWN.contains(extra.getKey())
                      && !Set.of("env", "directory").contains(extra.getKey())
                      && (!extra.getValue().isValueNode() || extra.getValue().isNull())) {
                    errors.add(
                        new FieldError(
                            path + "." + extra.getKey(),
                            who
                                + "a command's extra parameters become --name=value arguments:"
                                + " give a number or text"));
                  } else if (!COMMAND_OWN.contains(extra.getKey())
                      && !Set.of("env", "directory").contains(extra.getKey())
                      && !CommandSpec.PARAMETER.matcher(extra.getKey()).matches()) {
                    errors.add(
                        new FieldError(
                            path + "." + extra.getKey(),
                            who
                                + "a command's parameter name is letters, digits, '_', '.' or"
                                + " '-', starting with a letter or '_'"));
                  }
                });
        if (p.has("code") && (!p.get("code").isString() || p.get("code").asString().isBlank())) {
          errors.add(
              new FieldError(
                  path + ".code",
                  who
                      + "code is the folder that holds the program (relative to the file), which"
                      + " 'digitlab pipeline run' packs and uploads"));
        }
        if (p.has("env")) {
          errors.add(
              new FieldError(
                  path + ".env",
                  who
                      + "a command step runs on a worker with only PATH, LANG, HOME and its own"
                      + " variables: give values as parameters instead (each is a --name=value"
                      + " argument and a DIGITLAB_PARAM_<NAME> variable)"));
        }
        if (p.has("directory")) {
          errors.add(
              new FieldError(
                  path + ".directory",
                  who
                      + "a command step runs on a worker, in a folder of its own: name the folder"
                      + " holding the program as code: (packed and uploaded by 'digitlab pipeline"
                      + " run')"));
        }
      }
      default -> {}
    }
  }

  /** Benchmarks need a train step to evaluate: checked on the expanded graph. */
  static List<FieldError> benchmarkErrors(PipelineSpec spec) {
    List<FieldError> problems = new ArrayList<>();
    for (StepSpec step : spec.steps()) {
      if (step.type() == StepType.BENCHMARK
          && step.dependsOn().stream()
                  .filter(d -> spec.step(d).map(s -> s.type() == StepType.TRAIN).orElse(false))
                  .count()
              != 1) {
        problems.add(
            new FieldError(
                "steps." + step.name() + ".dependsOn",
                "step '"
                    + step.name()
                    + "': a benchmark depends on exactly one train step, whose model it evaluates"));
      }
    }
    return problems;
  }

  private long whole(JsonNode node, long min, long max, long fallback, String path, String who) {
    if (node == null) {
      return fallback;
    }
    if (!node.isIntegralNumber() || node.asLong() < min || node.asLong() > max) {
      errors.add(
          new FieldError(
              path, who + "must be a whole number from " + min + " to " + max + ", got " + node));
      return fallback;
    }
    return node.asLong();
  }

  private Duration seconds(
      JsonNode node, double min, double max, Duration fallback, String path, String who) {
    if (node == null) {
      return fallback;
    }
    if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
      errors.add(
          new FieldError(
              path,
              who + "must be a number of seconds from " + min + " to " + max + ", got " + node));
      return fallback;
    }
    return Duration.ofMillis(Math.round(node.asDouble() * 1000));
  }

  private void unknown(JsonNode node, Set<String> known, String path, String who) {
    node.properties()
        .forEach(
            field -> {
              if (!known.contains(field.getKey())) {
                errors.add(
                    new FieldError(
                        (path.isEmpty() ? "" : path + ".") + field.getKey(),
                        who
                            + "unknown field '"
                            + field.getKey()
                            + "'"
                            + (known.isEmpty()
                                ? "; this step type takes no parameters"
                                : "; known: " + String.join(", ", known.stream().sorted().toList()))
                            + ClosestName.hint(field.getKey(), known)));
              }
            });
  }

  private static String suffix(JsonNode value) {
    return value.asString().replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(java.util.Locale.ROOT);
  }

  private InvalidPipelineException invalid(String path, String message) {
    errors.add(new FieldError(path, message));
    return new InvalidPipelineException(errors);
  }
}
