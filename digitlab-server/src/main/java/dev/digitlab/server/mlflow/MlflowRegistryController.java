package dev.digitlab.server.mlflow;

import dev.digitlab.server.api.ErrorText;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.registry.RegisteredModel;
import dev.digitlab.server.registry.VersionStatus;
import dev.digitlab.server.runs.Run;
import dev.digitlab.server.runs.RunFilter;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * MLflow's model registry API over two registries: Digit Lab's own (its models are read here;
 * registering a built-in trial's run makes a Digit Lab version; they change through Digit Lab's
 * API), and MLflow models stored as they are ({@link MlflowModels}) for everything else.
 */
@RestController
@RequestMapping(
    path = {"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"},
    produces = MediaType.APPLICATION_JSON_VALUE)
class MlflowRegistryController {

  /** The tags a model of Digit Lab's own registry shows: where it lives. */
  private static final Map<String, String> OUR_MODEL_TAGS = Map.of("digitlab.registry", "digitlab");

  private final MlflowModels models;
  private final ModelRegistry registry;
  private final MlflowRuns runs;
  private final Ownership ownership;

  MlflowRegistryController(
      MlflowModels models, ModelRegistry registry, MlflowRuns runs, Ownership ownership) {
    this.models = models;
    this.registry = registry;
    this.runs = runs;
    this.ownership = ownership;
  }

  // ---- registered models

  @PostMapping("/registered-models/create")
  ObjectNode createModel(MlflowRequest fields, HttpServletRequest request) {
    String name = modelName(fields.required("name"));
    Map<String, String> tags = tags(fields.array("tags"));
    description(fields);
    if (ours(name).isPresent()
        || !models.create(name, fields.string("description"), ownership.ownerOf(request), tags)) {
      throw MlflowException.alreadyExists("Registered Model (name=" + name + ") already exists.");
    }
    return answer("registered_model", model(name));
  }

  @GetMapping("/registered-models/get")
  ObjectNode getModel(MlflowRequest fields) {
    return answer("registered_model", model(fields.required("name")));
  }

  @RequestMapping(
      path = "/registered-models/search",
      method = {RequestMethod.GET, RequestMethod.POST})
  ObjectNode searchModels(MlflowRequest fields) {
    RunFilter filter = RunFilter.parse(nameFilter(fields.string("filter")));
    Comparator<JsonNode> order = MlflowRegistryOrder.models(fields.strings("order_by"));
    List<ObjectNode> found = new ArrayList<>();
    // name -> tags, as model(name) shows them, so that tags.* filters see what get shows
    Map<String, Map<String, String>> names = new TreeMap<>();
    registry.list().forEach(model -> names.put(model.name(), OUR_MODEL_TAGS));
    models.all().forEach(model -> names.put(model.name(), model.tags()));
    names.forEach(
        (name, tags) -> {
          if (filter.matches(asRun(name, null, tags))) {
            found.add(model(name));
          }
        });
    found.sort(order);
    return MlflowPage.of(fields, "registered_models", found, 100, node -> node);
  }

  @PostMapping("/registered-models/rename")
  ObjectNode renameModel(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    String newName = modelName(fields.required("new_name"));
    if (ours(newName).isPresent() || models.find(newName).isPresent()) {
      throw MlflowException.alreadyExists(
          "Registered Model (name=" + newName + ") already exists.");
    }
    models.rename(model.name(), newName);
    return answer("registered_model", model(newName));
  }

  @PatchMapping("/registered-models/update")
  ObjectNode updateModel(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    models.describe(model.name(), description(fields));
    return answer("registered_model", model(model.name()));
  }

  @DeleteMapping("/registered-models/delete")
  ObjectNode deleteModel(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    models.delete(model.name());
    return MlflowJsonViews.object();
  }

  @PostMapping("/registered-models/alias")
  ObjectNode setAlias(MlflowRequest fields, HttpServletRequest request) {
    String name = fields.required("name");
    String alias = fields.required("alias");
    int version = versionNumber(fields.required("version"));
    if (ours(name).isPresent()) {
      // Digit Lab's aliases move through its registry, audited like every promotion.
      try {
        registry.promote(
            name, alias, version, "set through the MLflow API", ownership.actorOf(request));
      } catch (RuntimeException e) {
        // unknown version, archived version, bad alias name: all the caller's to fix
        throw MlflowException.invalid(ErrorText.scrub(e.getMessage()));
      }
      return MlflowJsonViews.object();
    }
    MlflowModels.Model model = writableModel(name, request);
    mlflowVersion(model.name(), version);
    models.setAlias(model.name(), alias, version);
    return MlflowJsonViews.object();
  }

  @DeleteMapping("/registered-models/alias")
  ObjectNode deleteAlias(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    // An alias not set is no error, as in MLflow's stores: deleting is idempotent.
    models.deleteAlias(model.name(), fields.required("alias"));
    return MlflowJsonViews.object();
  }

  /**
   * The version an alias points at: how MLflow clients resolve {@code models:/name@alias} ({@code
   * mlflow.pyfunc.load_model("models:/m@champion")}). An alias not set is MLflow's
   * INVALID_PARAMETER_VALUE with its exact message, which client code matches on.
   */
  @GetMapping("/registered-models/alias")
  ObjectNode versionByAlias(MlflowRequest fields) {
    String name = fields.required("name");
    String alias = fields.required("alias");
    Integer version = null;
    Optional<RegisteredModel> ours = ours(name);
    if (ours.isPresent()) {
      for (ModelAlias each : ours.get().aliases()) {
        if (each.alias().equals(alias)) {
          version = each.version();
        }
      }
    } else if (models.find(name).isPresent()) {
      version = models.aliases(name).get(alias);
    }
    if (version == null) {
      throw MlflowException.invalid("Registered model alias " + alias + " not found.");
    }
    return answer("model_version", version(name, Integer.toString(version)));
  }

  @PostMapping("/registered-models/set-tag")
  ObjectNode setModelTag(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    Map.Entry<String, String> tag = tag(fields);
    models.putTag(model.name(), null, tag.getKey(), tag.getValue());
    return MlflowJsonViews.object();
  }

  /** Deleting a tag the model does not have is no error, as in MLflow's stores. */
  @DeleteMapping("/registered-models/delete-tag")
  ObjectNode deleteModelTag(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    models.putTag(model.name(), null, fields.required("key"), null);
    return MlflowJsonViews.object();
  }

  @RequestMapping(
      path = "/registered-models/get-latest-versions",
      method = {RequestMethod.GET, RequestMethod.POST})
  ObjectNode latestVersions(MlflowRequest fields) {
    String name = fields.required("name");
    model(name); // RESOURCE_DOES_NOT_EXIST for an unknown name
    List<String> asked = fields.strings("stages");
    List<String> stages = asked.isEmpty() ? STAGES : asked.stream().map(s -> stage(s)).toList();
    ObjectNode answer = MlflowJsonViews.object();
    ArrayNode array = answer.putArray("model_versions");
    latestByStage(versionsOf(name), stages).forEach(array::add);
    return answer;
  }

  /** MLflow 2.x's stages, as it spells them. */
  private static final List<String> STAGES = List.of("None", "Staging", "Production", "Archived");

  /** The stages whose newest version moving another into them may archive. */
  private static final List<String> ACTIVE_STAGES = List.of("Staging", "Production");

  /** {@code stage} as MLflow spells it (the case is free), or MLflow's refusal. */
  private static String stage(String stage) {
    for (String known : STAGES) {
      if (known.equalsIgnoreCase(stage)) {
        return known;
      }
    }
    throw MlflowException.invalid(
        "Invalid Model Version stage: "
            + stage
            + ". Value must be one of None, Staging,"
            + " Production, Archived.");
  }

  /**
   * The newest version in each of {@code stages}, in the order the versions first reach a stage, as
   * MLflow's store lists a model's latest versions.
   */
  private static List<ObjectNode> latestByStage(List<ObjectNode> versions, List<String> stages) {
    Map<String, ObjectNode> latest = new LinkedHashMap<>();
    for (ObjectNode version : versions) {
      String stage = version.path("current_stage").asString();
      if (stages.contains(stage)) {
        latest.put(stage, version);
      }
    }
    return List.copyOf(latest.values());
  }

  /**
   * MLflow 2.x's stage transition of a version of a model MLflow's API made: {@code stage} in any
   * case, {@code archive_existing_versions} (Staging and Production only) archives the model's
   * other versions in that stage. Digit Lab's own models move through aliases instead.
   */
  @PostMapping("/model-versions/transition-stage")
  ObjectNode transitionStage(MlflowRequest fields, HttpServletRequest request) {
    String name = fields.required("name");
    int version = versionNumber(fields.required("version"));
    String stage = stage(fields.required("stage"));
    String archive = fields.string("archive_existing_versions");
    if (archive != null
        && !archive.equalsIgnoreCase("true")
        && !archive.equalsIgnoreCase("false")) {
      throw MlflowException.invalid(
          "Invalid value "
              + archive
              + " for parameter 'archive_existing_versions': expected"
              + " true or false");
    }
    boolean archiveOthers = "true".equalsIgnoreCase(archive);
    if (archiveOthers && !ACTIVE_STAGES.contains(stage)) {
      throw MlflowException.invalid(
          "Model version transition cannot archive existing model versions because '"
              + stage
              + "' is not an Active stage. Valid stages are ['Staging', 'Production']");
    }
    if (ours(name).isPresent()) {
      throw MlflowException.invalid(
          "Model '"
              + name
              + "' is in Digit Lab's registry, whose versions take no MLflow stage: set an alias"
              + " (registered-models/alias) instead");
    }
    MlflowModels.Model model = writableModel(name, request);
    mlflowVersion(model.name(), version);
    models.transitionStage(model.name(), version, stage, archiveOthers);
    return answer("model_version", theirVersion(mlflowVersion(model.name(), version)));
  }

  // ---- versions

  @PostMapping("/model-versions/create")
  ObjectNode createVersion(MlflowRequest fields, HttpServletRequest request) {
    String name = fields.required("name");
    String source = fields.required("source");
    String runId = fields.string("run_id");
    String description = description(fields);
    MlflowNames.checkLength("run_id", runId, 100);
    Optional<RegisteredModel> ours = ours(name);
    Run run = runId == null || runId.isEmpty() ? null : runs.find(runId);
    boolean builtin = run != null && !run.kind().equals("external");
    if (ours.isPresent() || builtin && models.find(name).isEmpty()) {
      if (!builtin) {
        throw MlflowException.invalid(
            "Model '"
                + name
                + "' is in Digit Lab's registry, whose versions are made from Digit Lab trials:"
                + " give the run_id of a built-in trial");
      }
      ModelVersion version;
      try {
        // MLflow makes a new version of the same run as often as it is asked.
        version = registry.register(name, run.id(), description, ownership.actorOf(request), true);
      } catch (RuntimeException e) {
        throw MlflowException.invalid(
            "Digit Lab's registry refused the version: " + ErrorText.scrub(e.getMessage()));
      }
      return answer("model_version", ourVersion(version, List.of()));
    }
    MlflowModels.Model model = writableModel(name, request);
    MlflowNames.checkLength("source", source, 1000);
    int version =
        models.addVersion(
            model.name(),
            source,
            runId,
            description,
            ownership.ownerOf(request),
            tags(fields.array("tags")));
    return answer("model_version", theirVersion(mlflowVersion(model.name(), version)));
  }

  @GetMapping("/model-versions/get")
  ObjectNode getVersion(MlflowRequest fields) {
    return answer("model_version", version(fields.required("name"), fields.required("version")));
  }

  @RequestMapping(
      path = "/model-versions/search",
      method = {RequestMethod.GET, RequestMethod.POST})
  ObjectNode searchVersions(MlflowRequest fields) {
    RunFilter filter = RunFilter.parse(versionFilter(fields.string("filter")));
    Comparator<JsonNode> order = MlflowRegistryOrder.versions(fields.strings("order_by"));
    List<ObjectNode> found = new ArrayList<>();
    for (RegisteredModel model : registry.list()) {
      for (ObjectNode version : versionsOf(model.name())) {
        if (filter.matches(versionAsRun(version, Map.of()))) {
          found.add(version);
        }
      }
    }
    for (MlflowModels.Version version : models.allVersions()) {
      ObjectNode node = theirVersion(version);
      if (filter.matches(versionAsRun(node, version.tags()))) {
        found.add(node);
      }
    }
    found.sort(order);
    // MLflow's default page of versions (SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT)
    return MlflowPage.of(fields, "model_versions", found, 10_000, node -> node);
  }

  @PatchMapping("/model-versions/update")
  ObjectNode updateVersion(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    int version = versionNumber(fields.required("version"));
    mlflowVersion(model.name(), version);
    models.describeVersion(model.name(), version, description(fields));
    return answer("model_version", theirVersion(mlflowVersion(model.name(), version)));
  }

  @DeleteMapping("/model-versions/delete")
  ObjectNode deleteVersion(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    int version = versionNumber(fields.required("version"));
    mlflowVersion(model.name(), version);
    models.deleteVersion(model.name(), version);
    return MlflowJsonViews.object();
  }

  @PostMapping("/model-versions/set-tag")
  ObjectNode setVersionTag(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    int version = versionNumber(fields.required("version"));
    mlflowVersion(model.name(), version);
    Map.Entry<String, String> tag = tag(fields);
    models.putTag(model.name(), version, tag.getKey(), tag.getValue());
    return MlflowJsonViews.object();
  }

  @DeleteMapping("/model-versions/delete-tag")
  ObjectNode deleteVersionTag(MlflowRequest fields, HttpServletRequest request) {
    MlflowModels.Model model = writableModel(fields.required("name"), request);
    int version = versionNumber(fields.required("version"));
    mlflowVersion(model.name(), version);
    models.putTag(model.name(), version, fields.required("key"), null);
    return MlflowJsonViews.object();
  }

  @GetMapping("/model-versions/get-download-uri")
  ObjectNode downloadUri(MlflowRequest fields) {
    ObjectNode version = version(fields.required("name"), fields.required("version"));
    ObjectNode answer = MlflowJsonViews.object();
    answer.put("artifact_uri", version.path("source").asString());
    return answer;
  }

  // ---- helpers

  private Optional<RegisteredModel> ours(String name) {
    try {
      return Optional.of(registry.get(name));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private MlflowModels.Model writableModel(String name, HttpServletRequest request) {
    if (ours(name).isPresent()) {
      throw MlflowException.invalid(
          "Model '"
              + name
              + "' is in Digit Lab's registry: change it through Digit Lab ('digitlab model …' or"
              + " /api/v1/models)");
    }
    MlflowModels.Model model =
        models
            .find(name)
            .orElseThrow(
                () ->
                    MlflowException.notFound("Registered Model with name=" + name + " not found"));
    ownership.checkMayChange(request, "model " + name, model.owner());
    return model;
  }

  private MlflowModels.Version mlflowVersion(String name, int version) {
    return models
        .version(name, version)
        .orElseThrow(
            () ->
                MlflowException.notFound(
                    "Model Version (name=" + name + ", version=" + version + ") not found"));
  }

  private ObjectNode version(String name, String versionText) {
    int version = versionNumber(versionText);
    Optional<RegisteredModel> ours = ours(name);
    if (ours.isPresent()) {
      for (ObjectNode node : versionsOf(name)) {
        if (node.path("version").asString().equals(Integer.toString(version))) {
          return node;
        }
      }
      throw MlflowException.notFound(
          "Model Version (name=" + name + ", version=" + version + ") not found");
    }
    return theirVersion(mlflowVersion(name, version));
  }

  private List<ObjectNode> versionsOf(String name) {
    List<ObjectNode> versions = new ArrayList<>();
    Optional<RegisteredModel> ours = ours(name);
    if (ours.isPresent()) {
      for (ModelVersion version : ours.get().versions()) {
        List<String> aliases = new ArrayList<>();
        for (ModelAlias alias : ours.get().aliases()) {
          if (alias.version() == version.version()) {
            aliases.add(alias.alias());
          }
        }
        versions.add(ourVersion(version, aliases));
      }
    } else {
      models.versions(name).forEach(version -> versions.add(theirVersion(version)));
    }
    return versions;
  }

  private ObjectNode model(String name) {
    ObjectNode node = MlflowJsonViews.object();
    Optional<RegisteredModel> ours = ours(name);
    if (ours.isPresent()) {
      RegisteredModel model = ours.get();
      node.put("name", model.name());
      node.put("creation_timestamp", model.createdAt().toEpochMilli());
      long updated = model.createdAt().toEpochMilli();
      for (ModelVersion version : model.versions()) {
        updated = Math.max(updated, version.createdAt().toEpochMilli());
      }
      node.put("last_updated_timestamp", updated);
      if (model.description() != null) {
        node.put("description", model.description());
      }
      ArrayNode tags = node.putArray("tags");
      OUR_MODEL_TAGS.forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
      ArrayNode aliases = node.putArray("aliases");
      for (ModelAlias alias : model.aliases()) {
        aliases
            .addObject()
            .put("alias", alias.alias())
            .put("version", Integer.toString(alias.version()));
      }
    } else {
      MlflowModels.Model model =
          models
              .find(name)
              .orElseThrow(
                  () ->
                      MlflowException.notFound(
                          "Registered Model with name=" + name + " not found"));
      node.put("name", model.name());
      node.put("creation_timestamp", model.createdAt());
      node.put("last_updated_timestamp", model.updatedAt());
      node.put("user_id", model.owner());
      if (model.description() != null) {
        node.put("description", model.description());
      }
      ArrayNode tags = node.putArray("tags");
      model.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
      ArrayNode aliases = node.putArray("aliases");
      models
          .aliases(name)
          .forEach(
              (alias, version) ->
                  aliases
                      .addObject()
                      .put("alias", alias)
                      .put("version", Integer.toString(version)));
    }
    List<ObjectNode> latest = latestByStage(versionsOf(name), STAGES);
    if (!latest.isEmpty()) {
      ArrayNode array = node.putArray("latest_versions");
      latest.forEach(array::add);
    }
    return node;
  }

  private static ObjectNode ourVersion(ModelVersion version, List<String> aliases) {
    ObjectNode node = MlflowJsonViews.object();
    node.put("name", version.model());
    node.put("version", Integer.toString(version.version()));
    node.put("creation_timestamp", version.createdAt().toEpochMilli());
    node.put("last_updated_timestamp", version.createdAt().toEpochMilli());
    node.put("current_stage", version.status() == VersionStatus.ARCHIVED ? "Archived" : "None");
    if (version.description() != null) {
      node.put("description", version.description());
    }
    node.put("source", "/api/v1/models/" + version.model() + "/versions/" + version.version());
    if (version.trialId() != null) {
      node.put("run_id", Long.toString(version.trialId()));
    }
    node.put("status", "READY");
    ArrayNode tags = node.putArray("tags");
    tags.addObject().put("key", "digitlab.architecture").put("value", version.architecture());
    ArrayNode array = node.putArray("aliases");
    aliases.forEach(array::add);
    return node;
  }

  private static ObjectNode theirVersion(MlflowModels.Version version) {
    ObjectNode node = MlflowJsonViews.object();
    node.put("name", version.name());
    node.put("version", Integer.toString(version.version()));
    node.put("creation_timestamp", version.createdAt());
    node.put("last_updated_timestamp", version.updatedAt());
    node.put("user_id", version.owner());
    node.put("current_stage", version.stage());
    if (version.description() != null) {
      node.put("description", version.description());
    }
    node.put("source", version.source());
    if (version.runId() != null) {
      node.put("run_id", version.runId());
    }
    node.put("status", "READY");
    ArrayNode tags = node.putArray("tags");
    version.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
    ArrayNode aliases = node.putArray("aliases");
    version.aliases().forEach(aliases::add);
    return node;
  }

  /** A model or version as a run, so that the run grammar filters them by name and run id. */
  private static Run asRun(String name, String runId, Map<String, String> tags) {
    Map<String, String> all = new LinkedHashMap<>(tags);
    if (runId != null) {
      all.put("run_id", runId);
    }
    return new Run(0, 0, "model", name, null, "", null, null, "active", Map.of(), Map.of(), all);
  }

  /**
   * A model version as a run for {@link #versionFilter}: its number a metric (numeric comparisons,
   * as MLflow's {@code version_number}), its source a param (string comparisons).
   */
  private static Run versionAsRun(ObjectNode version, Map<String, String> tags) {
    Map<String, String> all = new LinkedHashMap<>(tags);
    String runId = version.path("run_id").asString(null);
    if (runId != null) {
      all.put("run_id", runId);
    }
    String source = version.path("source").asString(null);
    return new Run(
        0,
        0,
        "model version",
        version.path("name").asString(),
        null,
        "",
        null,
        null,
        "active",
        source == null ? Map.of() : Map.of(VERSION_SOURCE, source),
        Map.of(
            VERSION_NUMBER,
            new Run.LatestMetric(Double.parseDouble(version.path("version").asString()), 0, 0)),
        all);
  }

  // Under MLflow's own names, so that errors name what the user wrote; MLflow's version filters
  // take attributes and tags only, so metrics.* and params.* come from the rewrite alone.
  private static final String VERSION_NUMBER = "version_number";
  private static final String VERSION_SOURCE = "source_path";

  /**
   * MLflow's model version filters: {@code name} and {@code run_id} as for models, {@code
   * version_number} (=, !=, <, <=, >, >=) and {@code source_path} (=, !=, LIKE, ILIKE, IN), which
   * MLflow's SearchModelVersionUtils accepts too.
   */
  private static final Map<String, RegistryFilter.Key> VERSION_KEYS =
      Map.of(
          "name",
          RegistryFilter.MODEL_KEYS.get("name"),
          "run_id",
          RegistryFilter.MODEL_KEYS.get("run_id"),
          VERSION_NUMBER,
          RegistryFilter.Key.ordered("metrics." + VERSION_NUMBER),
          VERSION_SOURCE,
          RegistryFilter.Key.ordered("params." + VERSION_SOURCE));

  private static String versionFilter(String filter) {
    return RegistryFilter.rewrite(filter, VERSION_KEYS);
  }

  /** MLflow's registry filters ({@code name = 'x'}, {@code run_id = 'y'}) in the run grammar. */
  private static String nameFilter(String filter) {
    return RegistryFilter.rewrite(filter, RegistryFilter.MODEL_KEYS);
  }

  private static ObjectNode answer(String field, JsonNode value) {
    ObjectNode answer = MlflowJsonViews.object();
    answer.set(field, value);
    return answer;
  }

  private static String modelName(String name) {
    if (name.isBlank()) {
      throw MlflowException.invalid("Registered model name cannot be empty.");
    }
    MlflowNames.checkLength("Registered model name", name, 256);
    return name;
  }

  private static int versionNumber(String text) {
    try {
      int version = Integer.parseInt(text.strip());
      if (version > 0) {
        return version;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw MlflowException.invalid(
        "Parameter 'version' must be a positive integer, got '" + text + "'");
  }

  private static String description(MlflowRequest fields) {
    String description = fields.string("description");
    MlflowNames.checkLength("description", description, 5000);
    return description;
  }

  /** The request's {@code key} and {@code value} (absent: empty), checked as a tag on create. */
  private static Map.Entry<String, String> tag(MlflowRequest fields) {
    fields.required("key");
    return tags(List.of(fields.fields())).entrySet().iterator().next();
  }

  private static Map<String, String> tags(List<JsonNode> nodes) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (JsonNode node : nodes) {
      String key = MlflowRequest.string(node, "key");
      String value = MlflowRequest.string(node, "value");
      MlflowNames.checkKey("tag", key);
      MlflowNames.checkLength("tag value", value, 5000);
      tags.put(key, value == null ? "" : value);
    }
    // stored as one JSON text (see V14__mlflow.sql)
    MlflowNames.checkLength(
        "tags (as JSON)", MlflowRequest.JSON.writeValueAsString(tags), 100_000 - 100);
    return tags;
  }
}
