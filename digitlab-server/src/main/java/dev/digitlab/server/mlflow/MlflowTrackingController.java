package dev.digitlab.server.mlflow;

import dev.digitlab.server.api.ErrorText;
import dev.digitlab.server.runs.Run;
import dev.digitlab.server.runs.RunFilter;
import dev.digitlab.server.runs.RunOrder;
import dev.digitlab.server.runs.RunReader;
import dev.digitlab.server.security.Caller;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * MLflow's tracking REST API (2.x paths and JSON), so that any MLflow client logs to Digit Lab:
 * experiments are experiments, runs are trials (external ones logged here, built-in ones read).
 * Reads are GET with query parameters, writes POST with a JSON body, as MLflow's clients send them.
 */
@RestController
@RequestMapping(
    path = {"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"},
    produces = MediaType.APPLICATION_JSON_VALUE)
class MlflowTrackingController {

  static final int MAX_METRICS_PER_BATCH = 1000;
  static final int MAX_PARAMS_TAGS_PER_BATCH = 100;
  static final int MAX_ENTITIES_PER_BATCH = 1000;
  static final int MAX_BATCH_BYTES = 1024 * 1024;
  static final int MAX_RESULTS_DEFAULT = 1000;

  private final MlflowStore store;
  private final MlflowRuns runFinder;
  private final RunReader runs;
  private final Ownership ownership;
  private final Clock clock;

  MlflowTrackingController(
      MlflowStore store, MlflowRuns runFinder, RunReader runs, Ownership ownership, Clock clock) {
    this.store = store;
    this.runFinder = runFinder;
    this.runs = runs;
    this.ownership = ownership;
    this.clock = clock;
  }

  // ---- experiments

  @PostMapping("/experiments/create")
  ObjectNode createExperiment(MlflowRequest fields, HttpServletRequest request) {
    String name = fields.required("name");
    if (name.isBlank()) {
      throw MlflowException.invalid("Invalid experiment name: the name must not be empty");
    }
    MlflowNames.checkLength("experiment name", name, 200);
    Map<String, String> tags = keyValues(fields.array("tags"), "experiment tag", 5000);
    long id = store.createExperiment(name, ownership.ownerOf(request), tags);
    ObjectNode answer = MlflowJsonViews.object();
    answer.put("experiment_id", Long.toString(id));
    return answer;
  }

  @GetMapping("/experiments/get")
  ObjectNode getExperiment(MlflowRequest fields) {
    return experimentAnswer(experiment(fields.required("experiment_id")));
  }

  @GetMapping("/experiments/get-by-name")
  ObjectNode getExperimentByName(MlflowRequest fields) {
    String name = fields.required("experiment_name");
    return experimentAnswer(
        store
            .findExperimentByName(name)
            .orElseThrow(
                () ->
                    MlflowException.notFound(
                        "Could not find experiment with name '" + name + "'")));
  }

  private static ObjectNode experimentAnswer(MlflowExperiment experiment) {
    ObjectNode answer = MlflowJsonViews.object();
    answer.set("experiment", MlflowJsonViews.experiment(experiment));
    return answer;
  }

  @RequestMapping(
      path = "/experiments/search",
      method = {RequestMethod.GET, RequestMethod.POST})
  ObjectNode searchExperiments(MlflowRequest fields) {
    RunReader.View view = RunReader.View.of(fields.string("view_type"));
    RunFilter filter = RunFilter.parse(experimentFilter(fields.string("filter")));
    List<MlflowExperiment> matching = new ArrayList<>();
    List<Run> asRuns = new ArrayList<>();
    for (MlflowExperiment experiment : store.allExperiments()) {
      boolean stageMatches =
          switch (view) {
            case ACTIVE_ONLY -> experiment.lifecycleStage().equals(MlflowStore.ACTIVE);
            case DELETED_ONLY -> experiment.lifecycleStage().equals(MlflowStore.DELETED);
            case ALL -> true;
          };
      // An experiment seen as a run: its name is the run name and its times the run's, so that
      // one grammar filters and orders both.
      Run asRun =
          new Run(
              experiment.id(),
              experiment.id(),
              "experiment",
              experiment.name(),
              experiment.owner(),
              "",
              experiment.creationTime(),
              experiment.lastUpdateTime(),
              experiment.lifecycleStage(),
              Map.of(),
              Map.of(),
              experiment.tags());
      if (stageMatches && filter.matches(asRun)) {
        matching.add(experiment);
        asRuns.add(asRun);
      }
    }
    List<String> orderBy = new ArrayList<>();
    for (String entry : fields.strings("order_by")) {
      orderBy.add(experimentFilter(entry));
    }
    Comparator<Run> order =
        orderBy.isEmpty()
            ? Comparator.comparing(Run::startTime, Comparator.reverseOrder())
                .thenComparing(Run::id, Comparator.reverseOrder())
            : RunOrder.parse(orderBy);
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < matching.size(); i++) {
      indexes.add(i);
    }
    indexes.sort((a, b) -> order.compare(asRuns.get(a), asRuns.get(b)));
    return MlflowPage.of(
        fields,
        "experiments",
        indexes,
        MAX_RESULTS_DEFAULT,
        i -> MlflowJsonViews.experiment(matching.get(i)));
  }

  /**
   * An experiment filter or order in the run grammar: {@code name} and {@code creation_time} become
   * the run attributes an experiment-as-run carries them in.
   */
  private static String experimentFilter(String filter) {
    if (filter == null) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < filter.length()) {
      char c = filter.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int end = filter.indexOf(c, i + 1);
        end = end < 0 ? filter.length() - 1 : end;
        out.append(filter, i, end + 1);
        i = end + 1;
        continue;
      }
      int start = i;
      while (i < filter.length()
          && (Character.isLetterOrDigit(filter.charAt(i)) || "_.".indexOf(filter.charAt(i)) >= 0)) {
        i++;
      }
      if (i == start) {
        out.append(c);
        i++;
        continue;
      }
      String word = filter.substring(start, i);
      out.append(
          switch (word.toLowerCase(java.util.Locale.ROOT)) {
            case "name", "attribute.name", "attributes.name" -> "attributes.run_name";
            case "creation_time", "attributes.creation_time", "attribute.creation_time" ->
                "attributes.start_time";
            case "last_update_time", "attributes.last_update_time" -> "attributes.end_time";
            case "experiment_id", "attributes.experiment_id" -> "attributes.run_id";
            default -> word;
          });
    }
    return out.toString();
  }

  @PostMapping("/experiments/update")
  ObjectNode updateExperiment(MlflowRequest fields, HttpServletRequest request) {
    MlflowExperiment experiment = experiment(fields.required("experiment_id"));
    String name = fields.string("new_name");
    checkMayChange(request, experiment);
    if (name != null) {
      if (name.isBlank()) {
        throw MlflowException.invalid("Invalid experiment name: the name must not be empty");
      }
      MlflowNames.checkLength("experiment name", name, 200);
      store.renameExperiment(experiment.id(), name);
    }
    return MlflowJsonViews.object();
  }

  @PostMapping("/experiments/delete")
  ObjectNode deleteExperiment(MlflowRequest fields, HttpServletRequest request) {
    MlflowExperiment experiment = experiment(fields.required("experiment_id"));
    if (experiment.id() == 0) {
      throw MlflowException.invalid("Cannot delete the default experiment '0'.");
    }
    checkMayChange(request, experiment);
    store.setExperimentStage(experiment.id(), MlflowStore.ACTIVE, MlflowStore.DELETED);
    return MlflowJsonViews.object();
  }

  @PostMapping("/experiments/restore")
  ObjectNode restoreExperiment(MlflowRequest fields, HttpServletRequest request) {
    MlflowExperiment experiment = experiment(fields.required("experiment_id"));
    checkMayChange(request, experiment);
    store.setExperimentStage(experiment.id(), MlflowStore.DELETED, MlflowStore.ACTIVE);
    return MlflowJsonViews.object();
  }

  @PostMapping("/experiments/set-experiment-tag")
  ObjectNode setExperimentTag(MlflowRequest fields, HttpServletRequest request) {
    MlflowExperiment experiment = experiment(fields.required("experiment_id"));
    String key = fields.required("key");
    String value = fields.required("value");
    MlflowNames.checkKey("tag", key);
    MlflowNames.checkLength(
        "experiment tag value", value, MlflowNames.MAX_EXPERIMENT_TAG_VALUE_LENGTH);
    checkMayChange(request, experiment);
    store.setExperimentTag(experiment.id(), key, value);
    return MlflowJsonViews.object();
  }

  private MlflowExperiment experiment(String id) {
    return store
        .findExperiment(parseId(id, "experiment"))
        .orElseThrow(() -> MlflowException.notFound("No Experiment with id=" + id + " exists"));
  }

  private void checkMayChange(HttpServletRequest request, MlflowExperiment experiment) {
    ownership.checkMayChange(request, "experiment " + experiment.id(), experiment.owner());
  }

  // ---- runs

  @PostMapping("/runs/create")
  ObjectNode createRun(MlflowRequest fields, HttpServletRequest request) {
    String experimentId = fields.string("experiment_id");
    long experiment = parseId(experimentId == null ? "0" : experimentId, "experiment");
    if (!store.sharedForRuns(experiment)) {
      // A Digit Lab experiment (a search, a retraining, a pipeline's step) is its owner's: a run
      // planted in it would be one of its trials, in its best trial, its report and its compare.
      // Experiments made through MLflow's API stay shared, as in MLflow.
      store.findExperiment(experiment).ifPresent(found -> checkMayChange(request, found));
    }
    Map<String, String> tags =
        keyValues(fields.array("tags"), "tag", MlflowNames.MAX_TAG_VALUE_LENGTH);
    String runName = fields.string("run_name");
    String tagName = tags.get("mlflow.runName");
    if (runName == null || runName.isEmpty()) {
      runName = tagName;
    } else if (tagName != null && !tagName.isEmpty() && !tagName.equals(runName)) {
      // MLflow's store refuses rather than pick one of two names
      throw MlflowException.invalid(
          "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different"
              + " values (run_name='"
              + runName
              + "', mlflow.runName='"
              + tagName
              + "').");
    }
    if (runName != null) {
      MlflowNames.checkLength("run name", runName, MlflowNames.MAX_KEY_LENGTH);
    }
    String owner = ownership.ownerOf(request);
    if (Caller.of(request).isEmpty()) {
      // No token (authentication off): the client's user name is all there is to show.
      String user = fields.string("user_id");
      user = user == null || user.isBlank() ? tags.get("mlflow.user") : user;
      owner = user == null || user.isBlank() ? owner : user;
      MlflowNames.checkLength("user_id", owner, 100);
    }
    long start = fields.int64("start_time", clock.millis());
    long id = store.createRun(experiment, runName, owner, Instant.ofEpochMilli(start), tags);
    ObjectNode answer = MlflowJsonViews.object();
    answer.set("run", MlflowJsonViews.run(run(Long.toString(id)), List.of()));
    return answer;
  }

  @GetMapping("/runs/get")
  ObjectNode getRun(MlflowRequest fields, HttpServletRequest request) {
    Run run = runFinder.readable(MlflowRuns.runId(fields), request);
    ObjectNode answer = MlflowJsonViews.object();
    answer.set("run", MlflowJsonViews.run(run, store.inputs(run.id())));
    return answer;
  }

  @PostMapping("/runs/update")
  ObjectNode updateRun(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    String status = fields.string("status");
    String trialStatus = null;
    if (status != null) {
      trialStatus =
          RunReader.trialStatus(status)
              .orElseThrow(
                  () ->
                      MlflowException.invalid(
                          "Invalid value '"
                              + status
                              + "' for parameter 'status': use RUNNING, SCHEDULED, FINISHED,"
                              + " FAILED or KILLED"));
    }
    String runName = fields.string("run_name");
    if (runName != null) {
      MlflowNames.checkLength("run name", runName, MlflowNames.MAX_KEY_LENGTH);
    }
    long end = fields.int64("end_time", clock.millis());
    store.updateRun(run.id(), trialStatus, Instant.ofEpochMilli(end), runName);
    ObjectNode answer = MlflowJsonViews.object();
    answer.set("run_info", MlflowJsonViews.info(run(run.runId())));
    return answer;
  }

  @PostMapping("/runs/delete")
  ObjectNode deleteRun(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, false);
    store.setRunStage(run.id(), MlflowStore.DELETED);
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/restore")
  ObjectNode restoreRun(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, false);
    store.setRunStage(run.id(), MlflowStore.ACTIVE);
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/log-metric")
  ObjectNode logMetric(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    MetricPoint point = metric(fields.fields(), new HashSet<>());
    store.logBatch(run.id(), List.of(point), Map.of(), Map.of());
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/log-parameter")
  ObjectNode logParam(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    store.logBatch(
        run.id(),
        List.of(),
        keyValue(fields, "param", MlflowNames.MAX_PARAM_VALUE_LENGTH),
        Map.of());
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/set-tag")
  ObjectNode setTag(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    store.setTags(run.id(), keyValue(fields, "tag", MlflowNames.MAX_TAG_VALUE_LENGTH));
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/delete-tag")
  ObjectNode deleteTag(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    String key = fields.required("key");
    if (!store.deleteTag(run.id(), key)) {
      throw MlflowException.notFound("No tag with name: " + key + " in run with id " + run.runId());
    }
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/log-batch")
  ObjectNode logBatch(MlflowRequest fields, HttpServletRequest request) {
    if (fields.bodyBytes() > MAX_BATCH_BYTES) {
      throw MlflowException.invalid(
          "Batched logging API requests must be at most "
              + MAX_BATCH_BYTES
              + " bytes, got a request of "
              + fields.bodyBytes()
              + " bytes");
    }
    List<JsonNode> metricNodes = fields.array("metrics");
    List<JsonNode> paramNodes = fields.array("params");
    List<JsonNode> tagNodes = fields.array("tags");
    checkCount("metrics", metricNodes.size(), MAX_METRICS_PER_BATCH);
    checkCount("params", paramNodes.size(), MAX_PARAMS_TAGS_PER_BATCH);
    checkCount("tags", tagNodes.size(), MAX_PARAMS_TAGS_PER_BATCH);
    int total = metricNodes.size() + paramNodes.size() + tagNodes.size();
    if (total > MAX_ENTITIES_PER_BATCH) {
      throw MlflowException.invalid(
          "A batch logging request can contain at most "
              + MAX_ENTITIES_PER_BATCH
              + " metrics, params, and tags in total. Received a batch with "
              + total
              + " of them.");
    }
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    // A point repeated in the batch or stored before is kept once (MlflowStore.logBatch).
    List<MetricPoint> metrics = new ArrayList<>(metricNodes.size());
    Set<String> checkedKeys = new HashSet<>();
    for (JsonNode node : metricNodes) {
      metrics.add(metric(node, checkedKeys));
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (JsonNode node : paramNodes) {
      String key = MlflowRequest.string(node, "key");
      String value = MlflowRequest.string(node, "value");
      MlflowNames.checkKey("param", key);
      if (value == null) {
        throw MlflowRequest.missing("value");
      }
      MlflowNames.checkLength("Param value", value, MlflowNames.MAX_PARAM_VALUE_LENGTH);
      String before = params.putIfAbsent(key, value);
      if (before != null && !before.equals(value)) {
        throw MlflowException.invalid(
            "Duplicate parameter keys have been submitted: ['" + key + "'] with different values");
      }
    }
    Map<String, String> tags = keyValues(tagNodes, "tag", MlflowNames.MAX_TAG_VALUE_LENGTH);
    store.logBatch(run.id(), metrics, params, tags);
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/log-inputs")
  ObjectNode logInputs(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    List<String> inputs = new ArrayList<>();
    for (JsonNode dataset : fields.array("datasets")) {
      if (!dataset.isObject()) {
        throw MlflowException.invalid("Each of 'datasets' must be an object");
      }
      String input = dataset.toString();
      MlflowNames.checkLength("dataset input", input, 100_000);
      inputs.add(input);
    }
    store.logInputs(run.id(), inputs);
    return MlflowJsonViews.object();
  }

  @PostMapping("/runs/log-model")
  ObjectNode logModel(MlflowRequest fields, HttpServletRequest request) {
    Run run = writableRun(MlflowRuns.runId(fields), request, true);
    String model = fields.required("model_json");
    JsonNode parsed;
    try {
      parsed = MlflowRequest.JSON.readTree(model);
    } catch (tools.jackson.core.JacksonException e) {
      throw MlflowException.invalid(
          "model_json is not JSON: " + ErrorText.scrub(e.getOriginalMessage()));
    }
    // MLflow keeps logged models' descriptions in this tag, a JSON list.
    String history = run.tags().get("mlflow.log-model.history");
    ArrayNode list = MlflowRequest.JSON.createArrayNode();
    if (history != null) {
      try {
        JsonNode old = MlflowRequest.JSON.readTree(history);
        if (old.isArray()) {
          list = (ArrayNode) old;
        }
      } catch (tools.jackson.core.JacksonException e) {
        // an unreadable history is replaced
      }
    }
    list.add(parsed);
    String value = list.toString();
    MlflowNames.checkLength("Tag value", value, MlflowNames.MAX_TAG_VALUE_LENGTH);
    store.setTags(run.id(), Map.of("mlflow.log-model.history", value));
    return MlflowJsonViews.object();
  }

  @RequestMapping(
      path = "/runs/search",
      method = {RequestMethod.GET, RequestMethod.POST})
  ObjectNode searchRuns(MlflowRequest fields) {
    Set<Long> experimentIds = new LinkedHashSet<>();
    for (String id : fields.strings("experiment_ids")) {
      experimentIds.add(parseId(id, "experiment"));
    }
    RunFilter filter = RunFilter.parseRunSearch(fields.string("filter"));
    Comparator<Run> order = RunOrder.parse(fields.strings("order_by"));
    RunReader.View view = RunReader.View.of(fields.string("run_view_type"));
    MlflowPage.maxResults(fields, MAX_RESULTS_DEFAULT); // refused before the search, not after
    List<Run> matching = new ArrayList<>();
    for (Run run : runs.ofExperiments(experimentIds, view, filter)) {
      if (filter.matches(run)) {
        matching.add(run);
      }
    }
    matching.sort(order);
    // MLflow's server answers each run with its inputs, as runs/get does
    Map<Long, List<String>> inputs =
        store.inputs(
            MlflowPage.page(fields, matching, MAX_RESULTS_DEFAULT).stream().map(Run::id).toList());
    return MlflowPage.of(
        fields,
        "runs",
        matching,
        MAX_RESULTS_DEFAULT,
        run -> MlflowJsonViews.run(run, inputs.getOrDefault(run.id(), List.of())));
  }

  /** Any other path under the MLflow prefix (e.g. MLflow 3's logged-models): MLflow's 404. */
  @RequestMapping("/**")
  ObjectNode unknownEndpoint(HttpServletRequest request) {
    throw MlflowException.endpointNotFound(
        "No endpoint "
            + request.getMethod()
            + " "
            + request.getRequestURI()
            + " in Digit Lab's MLflow API (see docs/mlflow.md for what is supported)");
  }

  // ---- helpers

  private Run run(String id) {
    return runFinder.find(id);
  }

  private Run writableRun(String id, HttpServletRequest request, boolean active) {
    return runFinder.writable(id, request, active);
  }

  /**
   * A metric point of a request; {@code checkedKeys} holds the keys already checked in this
   * request: a batch logs a few keys many times, and the key rules (a regex, a path normalisation)
   * were a sixth of log-batch's CPU in a JFR profile.
   */
  private static MetricPoint metric(JsonNode node, Set<String> checkedKeys) {
    String key = MlflowRequest.string(node, "key");
    if (key == null || !checkedKeys.contains(key)) {
      MlflowNames.checkKey("metric", key);
      checkedKeys.add(key);
    }
    double value = MlflowRequest.float64(node, "value");
    JsonNode timestamp = node.get("timestamp");
    if (timestamp == null || timestamp.isNull()) {
      throw MlflowRequest.missing("timestamp");
    }
    return new MetricPoint(
        key,
        value,
        MlflowRequest.int64(node, "timestamp", 0),
        MlflowRequest.int64(node, "step", 0));
  }

  /** The request's {@code key} and {@code value}, checked as MLflow checks a {@code kind}'s. */
  private static Map<String, String> keyValue(MlflowRequest fields, String kind, int maxValue) {
    String key = fields.required("key");
    String value = fields.required("value");
    MlflowNames.checkKey(kind, key);
    MlflowNames.checkLength(
        Character.toUpperCase(kind.charAt(0)) + kind.substring(1) + " value", value, maxValue);
    return Map.of(key, value);
  }

  private static Map<String, String> keyValues(List<JsonNode> nodes, String kind, int maxValue) {
    Map<String, String> values = new LinkedHashMap<>();
    for (JsonNode node : nodes) {
      if (!node.isObject()) {
        throw MlflowException.invalid("Each " + kind + " must be an object with key and value");
      }
      String key = MlflowRequest.string(node, "key");
      String value = MlflowRequest.string(node, "value");
      MlflowNames.checkKey(kind, key);
      if (value == null) {
        throw MlflowRequest.missing("value");
      }
      MlflowNames.checkLength(kind + " value", value, maxValue);
      values.put(key, value);
    }
    return values;
  }

  private static void checkCount(String what, int count, int max) {
    if (count > max) {
      throw MlflowException.invalid(
          "A batch logging request can contain at most "
              + max
              + " "
              + what
              + ". Got "
              + count
              + " "
              + what
              + ". Please split up "
              + what
              + " across multiple requests and try again.");
    }
  }

  private static long parseId(String id, String kind) {
    try {
      long value = Long.parseLong(id.strip());
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw MlflowException.notFound(
        "No " + ("experiment".equals(kind) ? "Experiment" : kind) + " with id=" + id + " exists");
  }
}
