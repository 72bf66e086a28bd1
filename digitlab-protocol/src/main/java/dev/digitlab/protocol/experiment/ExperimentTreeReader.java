package dev.digitlab.protocol.experiment;

import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ParameterDomain.Choice;
import dev.digitlab.protocol.experiment.ParameterDomain.DoubleRange;
import dev.digitlab.protocol.experiment.ParameterDomain.IntRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a document tree into an {@link ExperimentSpec}, collecting every problem instead of
 * stopping at the first: a part that cannot be read is reported and left at its default, so the
 * rest can still be checked.
 */
final class ExperimentTreeReader {

  private static final Set<String> TOP =
      Set.of(
          "name",
          "description",
          "tags",
          "dataset",
          "datasetSha256",
          "config",
          "search",
          "objective",
          "maxParallelTrials",
          "priority",
          "pruner",
          "command",
          "code",
          "parameters",
          "timeout");

  /** The fields only a command experiment has. */
  private static final List<String> COMMAND_ONLY = List.of("code", "parameters", "timeout");

  private static final Set<String> SEARCH =
      Set.of(
          "type",
          "parameters",
          "samples",
          "seed",
          "maxTrials",
          "parallelism",
          "timeout",
          "nStartupTrials");
  private static final List<String> TPE_ONLY =
      List.of("maxTrials", "parallelism", "timeout", "nStartupTrials");
  private static final Set<String> RANGE = Set.of("min", "max", "scale", "type");
  private static final Set<String> OBJECTIVE = Set.of("metric", "goal");
  private static final Set<String> PRUNER =
      Set.of("type", "metric", "minEpochs", "reductionFactor", "startupTrials", "bootstrapCount");

  private final List<FieldError> errors = new ArrayList<>();
  private boolean parametersWritten;

  /** The spec, checked and expanded under {@code maxTrials}, or every problem found. */
  static ExperimentSpec read(JsonNode root, int maxTrials) {
    return new ExperimentTreeReader().readChecked(root, maxTrials);
  }

  private ExperimentSpec readChecked(JsonNode root, int maxTrials) {
    if (!root.isObject()) {
      throw new InvalidExperimentException(
          new FieldError(
              "",
              "an experiment is a mapping of fields (name, config, search, …), not "
                  + describe(root)));
    }
    ExperimentSpec spec = readSpec(root);
    for (FieldError error : TrialExpansion.errors(spec, maxTrials)) {
      // Parameters this reader dropped as unreadable were reported already; "name at least one
      // parameter" would then blame the user for an empty mapping they did not write.
      if (!(parametersWritten && error.path().equals("search.parameters"))) {
        errors.add(error);
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidExperimentException(firstPerPath(errors));
    }
    return spec;
  }

  private ExperimentSpec readSpec(JsonNode root) {
    unknownFields(root, TOP, "");
    String name = text(root.get("name"), "name", "");
    String description = text(root.get("description"), "description", "");
    List<String> tags = list(root.get("tags"), "tags", (node, path) -> text(node, path, null));
    CommandSpec command = readCommand(root);
    String dataset = command != null ? null : text(root.get("dataset"), "dataset", null);
    TrainingConfig config = readConfig(command != null ? null : root.get("config"), dataset);
    SearchSpace search = readSearch(root.get("search"));
    Objective objective = readObjective(root.get("objective"), command != null);
    int maxParallelTrials = integer(root.get("maxParallelTrials"), "maxParallelTrials", 1);
    int priority = integer(root.get("priority"), "priority", 0);
    PrunerSpec pruner = readPruner(root.get("pruner"));
    String datasetSha256 = text(root.get("datasetSha256"), "datasetSha256", null);
    if (datasetSha256 != null && !datasetSha256.matches("[0-9a-f]{64}")) {
      errors.add(
          new FieldError(
              "datasetSha256",
              "must be the 64 lower-case hex digits of a registered dataset's digest, got '"
                  + datasetSha256
                  + "'"));
      datasetSha256 = null;
    }
    return ExperimentSpec.builder(name, config)
        .description(description)
        .tags(tags.stream().filter(tag -> tag != null).toList())
        .dataset(dataset)
        .search(search)
        .objective(objective)
        .maxParallelTrials(maxParallelTrials)
        .priority(priority)
        .pruner(pruner)
        .command(command)
        .datasetSha256(command != null ? null : datasetSha256)
        .build();
  }

  /** The command fields, or null (after reporting any stray one) for a built-in experiment. */
  private CommandSpec readCommand(JsonNode root) {
    JsonNode node = root.get("command");
    if (absent(node)) {
      for (String key : COMMAND_ONLY) {
        if (root.has(key)) {
          errors.add(
              new FieldError(
                  key,
                  "applies to a command experiment; name its program with command: [python3,"
                      + " train.py, …]"));
        }
      }
      return null;
    }
    for (String key : List.of("config", "dataset", "datasetSha256")) {
      if (root.has(key)) {
        errors.add(
            new FieldError(
                key,
                "applies to built-in models; a command experiment gives its program's values under"
                    + " parameters"));
      }
    }
    List<String> argv;
    if (node.isString()) {
      errors.add(
          new FieldError(
              "command",
              "must be a list of the program and its arguments, like [python3, train.py, --alpha,"
                  + " {alpha}]: it runs without a shell, so one text cannot be split safely"));
      argv = List.of();
    } else {
      argv = list(node, "command", (element, path) -> text(element, path, ""));
    }
    String code = text(root.get("code"), "code", null);
    java.util.Map<String, JsonNode> parameters = new LinkedHashMap<>();
    JsonNode parametersNode = root.get("parameters");
    if (!absent(parametersNode)) {
      if (parametersNode.isObject()) {
        parametersNode
            .properties()
            .forEach(entry -> parameters.put(entry.getKey(), entry.getValue()));
      } else {
        errors.add(
            new FieldError(
                "parameters",
                "must map parameter names to their base values, like {alpha: 0.5}, not "
                    + describe(parametersNode)));
      }
    }
    long timeout = seconds(root.get("timeout"), "timeout");
    return new CommandSpec(argv, code, parameters, timeout);
  }

  private PrunerSpec readPruner(JsonNode node) {
    if (absent(node)) {
      return null;
    }
    if (!node.isObject()) {
      errors.add(
          new FieldError(
              "pruner",
              "must be a mapping like {type: median, metric: val_accuracy}, not "
                  + describe(node)));
      return null;
    }
    unknownFields(node, PRUNER, "pruner");
    PrunerSpec.Type type = choice(node.get("type"), "pruner.type", PrunerSpec.Type::parse, null);
    if (type == null) {
      if (absent(node.get("type"))) {
        errors.add(new FieldError("pruner.type", "is required: median or asha"));
      }
      return null;
    }
    if (type == PrunerSpec.Type.MEDIAN && node.has("reductionFactor")) {
      errors.add(new FieldError("pruner.reductionFactor", "applies to the asha pruner only"));
    }
    if (type == PrunerSpec.Type.MEDIAN && node.has("bootstrapCount")) {
      errors.add(new FieldError("pruner.bootstrapCount", "applies to the asha pruner only"));
    }
    if (type == PrunerSpec.Type.ASHA && node.has("startupTrials")) {
      errors.add(new FieldError("pruner.startupTrials", "applies to the median pruner only"));
    }
    String metric = text(node.get("metric"), "pruner.metric", PrunerSpec.DEFAULT_METRIC);
    int minEpochs = integer(node.get("minEpochs"), "pruner.minEpochs", 1);
    int reductionFactor =
        integer(
            node.get("reductionFactor"),
            "pruner.reductionFactor",
            PrunerSpec.DEFAULT_REDUCTION_FACTOR);
    int startupTrials =
        integer(
            node.get("startupTrials"),
            "pruner.startupTrials",
            dev.digitlab.protocol.search.MedianPruner.DEFAULT_STARTUP_TRIALS);
    int bootstrapCount =
        integer(
            node.get("bootstrapCount"),
            "pruner.bootstrapCount",
            PrunerSpec.DEFAULT_BOOTSTRAP_COUNT);
    return new PrunerSpec(
        type,
        metric == null ? PrunerSpec.DEFAULT_METRIC : metric,
        minEpochs,
        reductionFactor,
        startupTrials,
        bootstrapCount);
  }

  private TrainingConfig readConfig(JsonNode node, String dataset) {
    ObjectNode good = ConfigFields.tree(TrainingConfig.builder().build()).objectNode();
    if (absent(node)) {
      return ConfigFields.config(good);
    }
    if (!node.isObject()) {
      errors.add(
          new FieldError("config", "must be a mapping of config fields, not " + describe(node)));
      return ConfigFields.config(good);
    }
    unknownFields(node, ConfigFields.names(), "config");
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String field = entry.getKey();
      if (ConfigFields.field(field) == null) {
        continue;
      }
      ConfigFields.FieldValue value = ConfigFields.read(field, entry.getValue());
      if (!value.ok()) {
        errors.add(new FieldError("config." + field, value.problem()));
      } else if (field.equals("dataset")
          && dataset != null
          && !dataset.equals(value.value().asString())) {
        errors.add(
            new FieldError(
                "config.dataset",
                "must equal the experiment's dataset '"
                    + dataset
                    + "', got '"
                    + value.value().asString()
                    + "'; leave it out of config"));
      } else {
        good.set(field, value.value());
      }
    }
    return ConfigFields.config(good);
  }

  private SearchSpace readSearch(JsonNode node) {
    if (absent(node)) {
      return null;
    }
    if (!node.isObject()) {
      errors.add(
          new FieldError(
              "search", "must be a mapping with type and parameters, not " + describe(node)));
      return null;
    }
    unknownFields(node, SEARCH, "search");
    SearchType type = choice(node.get("type"), "search.type", SearchType::parse, null);
    if (type == null) {
      if (absent(node.get("type"))) {
        errors.add(new FieldError("search.type", "is required: grid, random or tpe"));
      }
      return null;
    }
    List<SearchParameter> parameters = new ArrayList<>();
    JsonNode parametersNode = node.get("parameters");
    if (absent(parametersNode)) {
      errors.add(new FieldError("search.parameters", "is required: the fields to vary"));
    } else if (!parametersNode.isObject()) {
      errors.add(
          new FieldError(
              "search.parameters",
              "must map config fields to their values, not " + describe(parametersNode)));
    } else {
      parametersWritten = !parametersNode.isEmpty();
      for (Map.Entry<String, JsonNode> entry : parametersNode.properties()) {
        ParameterDomain domain = readDomain(entry.getKey(), entry.getValue());
        if (domain != null) {
          parameters.add(new SearchParameter(entry.getKey(), domain));
        }
      }
    }
    if (type != SearchType.TPE) {
      for (String key : TPE_ONLY) {
        if (node.has(key)) {
          errors.add(new FieldError("search." + key, "applies to tpe search only"));
        }
      }
    }
    if (type == SearchType.GRID) {
      for (String key : List.of("samples", "seed")) {
        if (node.has(key)) {
          errors.add(new FieldError("search." + key, "applies to random and tpe search only"));
        }
      }
      return SearchSpace.grid(parameters);
    }
    if (type == SearchType.TPE) {
      if (node.has("samples")) {
        errors.add(
            new FieldError("search.samples", "applies to random search; tpe takes maxTrials"));
      }
      JsonNode maxTrialsNode = node.get("maxTrials");
      if (absent(maxTrialsNode)) {
        errors.add(
            new FieldError("search.maxTrials", "is required for tpe search: how many trials"));
      }
      int maxTrials = integer(maxTrialsNode, "search.maxTrials", 1);
      int parallelism = integer(node.get("parallelism"), "search.parallelism", 0);
      if (node.has("parallelism") && parallelism == 0) {
        errors.add(new FieldError("search.parallelism", "must be at least 1, got 0"));
      }
      long timeout = seconds(node.get("timeout"), "search.timeout");
      int startup =
          integer(
              node.get("nStartupTrials"),
              "search.nStartupTrials",
              SearchSpace.TpeSettings.DEFAULT_STARTUP_TRIALS);
      long seed = longInteger(node.get("seed"), "search.seed", 0);
      return SearchSpace.tpe(
          new SearchSpace.TpeSettings(maxTrials, parallelism, timeout, startup), seed, parameters);
    }
    JsonNode samplesNode = node.get("samples");
    if (absent(samplesNode)) {
      errors.add(
          new FieldError("search.samples", "is required for random search: how many trials"));
    }
    int samples = integer(samplesNode, "search.samples", 1);
    long seed = longInteger(node.get("seed"), "search.seed", 0);
    return SearchSpace.random(samples, seed, parameters);
  }

  private ParameterDomain readDomain(String field, JsonNode node) {
    String path = "search.parameters." + field;
    if (node.isArray()) {
      boolean known = ConfigFields.field(field) != null;
      List<JsonNode> values = new ArrayList<>();
      for (JsonNode value : node) {
        // Canonical values ("ADAM" → "adam", '1e-2' → 0.01) make equal files equal specs; a bad
        // value stays as written so the expansion can report it at its index.
        ConfigFields.FieldValue read = known ? ConfigFields.read(field, value) : null;
        values.add(read != null && read.ok() ? read.value() : value);
      }
      return new Choice(values);
    }
    if (!node.isObject()) {
      errors.add(
          new FieldError(
              path,
              "must be a list of values, or a range {min, max} for random search; write ["
                  + node
                  + "] for a single value"));
      return null;
    }
    unknownFields(node, RANGE, path);
    int before = errors.size();
    Double min = number(node.get("min"), path + ".min");
    Double max = number(node.get("max"), path + ".max");
    Scale scale = choice(node.get("scale"), path + ".scale", Scale::parse, Scale.LINEAR);
    ConfigFields.Field known = ConfigFields.field(field);
    boolean integerField = known != null && known.kind() == ConfigFields.Kind.INTEGER;
    String type = text(node.get("type"), path + ".type", integerField ? "int" : "double");
    if (!type.equals("int") && !type.equals("double")) {
      errors.add(new FieldError(path + ".type", "must be int or double, got '" + type + "'"));
    }
    if (errors.size() > before || min == null || max == null) {
      return null;
    }
    if (type.equals("int")) {
      if (min != Math.rint(min) || max != Math.rint(max)) {
        errors.add(
            new FieldError(
                path + (min != Math.rint(min) ? ".min" : ".max"),
                "must be a whole number for an int range"));
        return null;
      }
      return new IntRange(min.longValue(), max.longValue(), scale);
    }
    return new DoubleRange(min, max, scale);
  }

  private Objective readObjective(JsonNode node, boolean command) {
    if (absent(node)) {
      if (command) {
        errors.add(
            new FieldError(
                "objective",
                "is required for a command experiment: the metric your program reports and its"
                    + " goal, like {metric: rmse, goal: min}"));
      }
      return Objective.DEFAULT;
    }
    if (!node.isObject()) {
      errors.add(
          new FieldError(
              "objective", "must be a mapping with metric and goal, not " + describe(node)));
      return Objective.DEFAULT;
    }
    unknownFields(node, OBJECTIVE, "objective");
    if (command && absent(node.get("metric"))) {
      errors.add(new FieldError("objective.metric", "is required: a metric your program reports"));
    }
    ObjectiveMetric metric =
        choice(
            node.get("metric"),
            "objective.metric",
            command ? ObjectiveMetric::named : ObjectiveMetric::parse,
            Objective.DEFAULT.metric());
    Goal goal = choice(node.get("goal"), "objective.goal", Goal::parse, null);
    if (goal == null && !metric.isBuiltIn() && absent(node.get("goal"))) {
      errors.add(
          new FieldError(
              "objective.goal",
              "is required for a metric of your program's: min or max (is a smaller "
                  + metric.configName()
                  + " better?)"));
    }
    return new Objective(metric, goal);
  }

  private void unknownFields(JsonNode node, Set<String> known, String at) {
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String key = entry.getKey();
      if (!known.contains(key)) {
        String prefix = at.isEmpty() ? "" : at + ".";
        String where = at.isEmpty() ? "" : " at " + at;
        errors.add(
            new FieldError(
                prefix + key,
                "unknown field '" + key + "'" + where + ClosestName.hint(key, known)));
      }
    }
  }

  private String text(JsonNode node, String path, String absentValue) {
    if (absent(node)) {
      return absentValue;
    }
    // YAML reads `name: 2024` as a number; for free text that is surely meant as text.
    if (node.isValueNode()) {
      return node.asString();
    }
    errors.add(new FieldError(path, "must be text, not " + describe(node)));
    return absentValue;
  }

  /**
   * A duration in seconds: a whole number of seconds, or text like 90s, 30m, 2h, 1d; 0 if absent.
   */
  private long seconds(JsonNode node, String path) {
    if (absent(node)) {
      return 0;
    }
    if (node.isIntegralNumber() && node.canConvertToLong() && node.longValue() > 0) {
      return node.longValue();
    }
    if (node.isString()) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("([0-9]{1,9})\\s*([smhd]?)")
              .matcher(node.asString().strip());
      if (m.matches() && Long.parseLong(m.group(1)) > 0) {
        long unit =
            switch (m.group(2)) {
              case "m" -> 60;
              case "h" -> 3600;
              case "d" -> 86400;
              default -> 1;
            };
        return Long.parseLong(m.group(1)) * unit;
      }
    }
    errors.add(
        new FieldError(path, "must be a positive duration like 90s, 30m, 2h or 1d, got " + node));
    return 0;
  }

  private int integer(JsonNode node, String path, int absentValue) {
    if (absent(node)) {
      return absentValue;
    }
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      return node.intValue();
    }
    errors.add(new FieldError(path, "must be a whole number, got " + node));
    return absentValue;
  }

  private long longInteger(JsonNode node, String path, long absentValue) {
    if (absent(node)) {
      return absentValue;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    errors.add(new FieldError(path, "must be a whole number, got " + node));
    return absentValue;
  }

  private Double number(JsonNode node, String path) {
    if (absent(node)) {
      errors.add(new FieldError(path, "is required"));
      return null;
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isString()) {
      try {
        return Double.parseDouble(node.asString().strip());
      } catch (NumberFormatException e) {
        // Reported below like any other non-number.
      }
    }
    errors.add(new FieldError(path, "must be a number, got " + node));
    return null;
  }

  private <T> T choice(JsonNode node, String path, Function<String, T> parse, T absentValue) {
    if (absent(node)) {
      return absentValue;
    }
    if (node.isValueNode()) {
      try {
        return parse.apply(node.asString());
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError(path, e.getMessage()));
        return absentValue;
      }
    }
    errors.add(new FieldError(path, "must be a name, not " + describe(node)));
    return absentValue;
  }

  /** Reads each element; a non-list is reported and read as empty. */
  private <T> List<T> list(JsonNode node, String path, ElementReader<T> element) {
    List<T> values = new ArrayList<>();
    if (absent(node)) {
      return values;
    }
    if (!node.isArray()) {
      errors.add(new FieldError(path, "must be a list, not " + describe(node)));
      return values;
    }
    for (int i = 0; i < node.size(); i++) {
      values.add(element.read(node.get(i), path + "[" + i + "]"));
    }
    return values;
  }

  /** Reads one element of a list at its path. */
  private interface ElementReader<T> {
    T read(JsonNode node, String path);
  }

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull();
  }

  private static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "a mapping";
      case STRING -> "the text '" + node.asString() + "'";
      default -> node.toString();
    };
  }

  /** One error per path: the first one found there is the one worth fixing first. */
  private static List<FieldError> firstPerPath(List<FieldError> errors) {
    Map<String, FieldError> first = new LinkedHashMap<>();
    for (FieldError error : errors) {
      first.putIfAbsent(
          error.path() + "\u0000" + (error.path().isEmpty() ? error.message() : ""), error);
    }
    return List.copyOf(first.values());
  }
}
