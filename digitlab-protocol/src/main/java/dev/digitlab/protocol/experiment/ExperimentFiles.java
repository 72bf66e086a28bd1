package dev.digitlab.protocol.experiment;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ParameterDomain.Choice;
import dev.digitlab.protocol.experiment.ParameterDomain.DoubleRange;
import dev.digitlab.protocol.experiment.ParameterDomain.IntRange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads experiment documents (YAML or JSON, camelCase keys as in the API) into checked {@link
 * ExperimentSpec}s, and writes specs back as JSON. Every problem comes back as one {@link
 * InvalidExperimentException}; parser exceptions never reach the caller.
 */
public final class ExperimentFiles {

  private static final ObjectMapper JSON = Json.mapper();

  private final ExperimentLimits limits;
  private final DocumentParser parser;

  public ExperimentFiles(ExperimentLimits limits) {
    this.limits = limits;
    this.parser = new DocumentParser(limits);
  }

  /** A reader with {@link ExperimentLimits#DEFAULTS}. */
  public ExperimentFiles() {
    this(ExperimentLimits.DEFAULTS);
  }

  public ExperimentLimits limits() {
    return limits;
  }

  /**
   * The experiment a document describes, checked in full: every field, every searched value, and
   * every trial it expands to under the trial cap.
   *
   * @throws InvalidExperimentException listing every problem found
   */
  public ExperimentSpec read(String text, FileFormat format) {
    return fromTree(parser.parse(text, format));
  }

  /**
   * As {@link #read(String, FileFormat)} for UTF-8 bytes; reads at most one byte past the size
   * limit, so an endless stream is refused rather than buffered.
   *
   * @throws IOException only when the stream itself fails
   */
  public ExperimentSpec read(InputStream in, FileFormat format) throws IOException {
    byte[] bytes = in.readNBytes(limits.maxDocumentBytes() + 1);
    if (bytes.length > limits.maxDocumentBytes()) {
      throw parser.tooLarge("more than " + limits.maxDocumentBytes());
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidExperimentException(
          new FieldError("", "the document is not UTF-8 text; save it as UTF-8"));
    }
    return read(text, format);
  }

  /**
   * The document's tree, parsed under the same limits as {@link #read(String, FileFormat)} but not
   * checked as an experiment: for fragments, such as the edits of a clone, that are merged over a
   * stored spec before {@link #fromTree} checks the result.
   *
   * @throws InvalidExperimentException if the text is too large or not YAML/JSON
   */
  public JsonNode readTree(String text, FileFormat format) {
    return parser.parse(text, format);
  }

  /** As {@link #read(String, FileFormat)} for a tree already parsed (e.g. a JSON request body). */
  public ExperimentSpec fromTree(JsonNode tree) {
    return ExperimentTreeReader.read(tree, limits.maxTrials());
  }

  /** The spec as a JSON document that {@link #read} turns back into an equal spec. */
  public String toJson(ExperimentSpec spec) {
    try {
      return Json.pretty().writeValueAsString(toTree(spec));
    } catch (JacksonException e) {
      throw new IllegalStateException("a tree of plain values always serialises", e);
    }
  }

  /**
   * A trial's config as compact JSON with the API's field names (fields at the recipe's default,
   * null, left out): what the server stores and a worker reads back.
   */
  public String configJson(TrainingConfig config) {
    ObjectNode tree = ConfigFields.tree(config);
    tree.properties().removeIf(entry -> entry.getValue().isNull());
    return tree.toString();
  }

  /**
   * The config that {@link #configJson} wrote (a stored trial's config), for a worker to run.
   *
   * @throws IllegalStateException if the text is not such a config
   */
  public TrainingConfig readConfig(String json) {
    JsonNode tree;
    try {
      tree = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored trial config is not JSON: " + json, e);
    }
    if (!(tree instanceof ObjectNode object)) {
      throw new IllegalStateException("a stored trial config is not a JSON object: " + json);
    }
    return ConfigFields.config(object);
  }

  /** The spec as a JSON tree with the same field names as the files. */
  public ObjectNode toTree(ExperimentSpec spec) {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", spec.name());
    root.put("description", spec.description());
    ArrayNode tags = root.putArray("tags");
    spec.tags().forEach(tags::add);
    if (spec.isCommand()) {
      CommandSpec command = spec.command();
      ArrayNode argv = root.putArray("command");
      command.argv().forEach(argv::add);
      if (command.code() != null) {
        root.put("code", command.code());
      }
      if (!command.parameters().isEmpty()) {
        ObjectNode parameters = root.putObject("parameters");
        command.parameters().forEach(parameters::set);
      }
      if (command.timeoutSeconds() > 0) {
        root.put("timeout", command.timeoutSeconds());
      }
    } else {
      root.put("dataset", spec.dataset());
      if (spec.datasetSha256() != null) {
        root.put("datasetSha256", spec.datasetSha256());
      }
      ObjectNode config = ConfigFields.tree(spec.config());
      // Null means "the recipe's default" and reads back the same when left out.
      config.properties().removeIf(entry -> entry.getValue().isNull());
      root.set("config", config);
    }
    if (spec.search() != null) {
      root.set("search", searchTree(spec.search()));
    }
    ObjectNode objective = root.putObject("objective");
    objective.put("metric", spec.objective().metric().configName());
    objective.put("goal", spec.objective().goal().configName());
    root.put("maxParallelTrials", spec.maxParallelTrials());
    root.put("priority", spec.priority());
    if (spec.pruner() != null) {
      ObjectNode pruner = root.putObject("pruner");
      pruner.put("type", spec.pruner().type().configName());
      pruner.put("metric", spec.pruner().metric());
      pruner.put("minEpochs", spec.pruner().minEpochs());
      if (spec.pruner().type() == PrunerSpec.Type.ASHA) {
        pruner.put("reductionFactor", spec.pruner().reductionFactor());
        pruner.put("bootstrapCount", spec.pruner().bootstrapCount());
      } else {
        pruner.put("startupTrials", spec.pruner().startupTrials());
      }
    }
    return root;
  }

  private static ObjectNode searchTree(SearchSpace search) {
    ObjectNode node = JSON.createObjectNode();
    node.put("type", search.type().configName());
    if (search.type() == SearchType.RANDOM) {
      node.put("samples", search.samples());
      node.put("seed", search.seed());
    }
    if (search.type() == SearchType.TPE && search.tpe() != null) {
      node.put("maxTrials", search.tpe().maxTrials());
      if (search.tpe().parallelism() > 0) {
        node.put("parallelism", search.tpe().parallelism());
      }
      if (search.tpe().timeoutSeconds() > 0) {
        node.put("timeout", search.tpe().timeoutSeconds());
      }
      node.put("nStartupTrials", search.tpe().startupTrials());
      node.put("seed", search.seed());
    }
    ObjectNode parameters = node.putObject("parameters");
    for (SearchParameter parameter : search.parameters()) {
      switch (parameter.domain()) {
        case Choice choice -> parameters.putArray(parameter.field()).addAll(choice.values());
        case DoubleRange range -> {
          ObjectNode r = parameters.putObject(parameter.field());
          r.put("min", range.min());
          r.put("max", range.max());
          r.put("scale", range.scale().configName());
          r.put("type", "double");
        }
        case IntRange range -> {
          ObjectNode r = parameters.putObject(parameter.field());
          r.put("min", range.min());
          r.put("max", range.max());
          r.put("scale", range.scale().configName());
          r.put("type", "int");
        }
      }
    }
    return node;
  }
}
