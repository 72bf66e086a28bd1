package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.pipeline.StepType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialFiles;
import dev.digitlab.server.trials.WaitingReasons;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs a program as a command trial (issue 17): the step becomes a command experiment of one trial,
 * owned by the pipeline run's owner, queued through the same queue as every experiment and claimed
 * only by a worker with capability {@code command} ({@code digitlab worker --allow-commands}, or
 * the server's embedded worker with {@code digitlab server --allow-commands}). Nothing runs in the
 * server's process.
 *
 * <p>The program is {@code executable}, then {@code args} as written, then every other parameter as
 * {@code --name=value} (also its {@code DIGITLAB_PARAM_<NAME>} variable); {@code code} is the
 * packed folder ({@code sha256:…}, uploaded by {@code digitlab pipeline run}) it runs in. The step
 * waits on its trial: the trial's log lines become the step's log, its metrics ({@code metric}
 * lines or MLflow) the step's metrics, and the files it wrote to {@code $DIGITLAB_OUTPUT_DIR} the
 * step's files, which downstream steps read as any step's files. A failed trial fails the attempt
 * with its reason (a non-zero exit: the stderr tail); an interrupted attempt (its timeout, the run
 * cancelled, the server stopping) cancels the trial, which kills the program on its worker.
 */
@Component
class CommandStep implements StepHandler {

  private static final Set<String> OWN = Set.of("executable", "args", "code");
  private static final int LOG_PAGE = 1_000;

  private final StepTrial stepTrial;
  private final EventStore events;
  private final TrialFiles files;
  private final WaitingReasons waiting;

  CommandStep(StepTrial stepTrial, EventStore events, TrialFiles files, WaitingReasons waiting) {
    this.stepTrial = stepTrial;
    this.events = events;
    this.files = files;
    this.waiting = waiting;
  }

  @Override
  public StepType type() {
    return StepType.COMMAND;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    StepTrial.Submitted submitted =
        stepTrial.submit(experimentDocument(context), context, "command trial");
    Trial trial =
        stepTrial.await(submitted, context, new Progress(context), ": its program is stopped");
    ObjectNode result = StepTrial.resultHead(submitted.experiment(), trial);
    metrics(trial.id(), result);
    ArrayNode copied = result.putArray("files");
    for (String name : outputNames(trial.id())) {
      Path file = files.latestOutput(trial, name).orElse(null);
      if (file != null) {
        Files.copy(file, context.directory().resolve(name), StandardCopyOption.REPLACE_EXISTING);
        copied.add(name);
      }
    }
    return result;
  }

  /**
   * What a command step logs while its trial is not over: the program's log lines as they arrive,
   * and why the trial waits each time that changes.
   */
  private final class Progress implements StepTrial.Watch {

    private final StepContext context;
    private long logsAfter;
    private String waitedFor;

    Progress(StepContext context) {
      this.context = context;
    }

    @Override
    public void poll(Trial trial) {
      logsAfter = copyLogs(trial.id(), logsAfter, context);
      if (trial.status().isTerminal()) {
        return;
      }
      String reason = waiting.waitingFor(trial);
      if (reason != null && !reason.equals(waitedFor)) {
        context.log().accept(reason);
      }
      waitedFor = reason;
    }
  }

  /** The step as a command experiment's document, as a user would write it. */
  private static ObjectNode experimentDocument(StepContext context) {
    ObjectNode p = context.step().parameters();
    ObjectNode document = StepTrial.document(context, "command step");
    ArrayNode command = document.putArray("command");
    command.add(p.get("executable").asString());
    // A step's args were always literal: braces are escaped, not read as placeholders.
    p.path("args").forEach(arg -> command.add(literal(arg.asString())));
    ObjectNode parameters = StepResults.object();
    for (Map.Entry<String, JsonNode> parameter : p.properties()) {
      if (!OWN.contains(parameter.getKey())) {
        command.add("--" + parameter.getKey() + "={" + parameter.getKey() + "}");
        parameters.set(parameter.getKey(), parameter.getValue());
      }
    }
    if (!parameters.isEmpty()) {
      document.set("parameters", parameters);
    }
    if (p.hasNonNull("code")) {
      document.put("code", p.get("code").asString());
    }
    // A command experiment needs an objective: the metric a summary downstream ranks the step by,
    // else the summary's default (accuracy, max). With one trial it only labels the best trial.
    ObjectNode summary =
        context.dependants().stream()
            .filter(s -> s.type().equals(StepType.SUMMARY.configName()))
            .map(s -> (ObjectNode) StepResults.read(s.parameters()))
            .findFirst()
            .orElse(StepResults.object());
    ObjectNode objective = document.putObject("objective");
    objective.put("metric", summary.path("metric").asString("accuracy"));
    objective.put("goal", "min".equals(summary.path("goal").asString("max")) ? "min" : "max");
    return document;
  }

  private static String literal(String arg) {
    return arg.replace("{", "{{").replace("}", "}}");
  }

  /** Appends the trial's log lines stored after event {@code after}; returns the last one's id. */
  private long copyLogs(long trialId, long after, StepContext context) {
    List<TrialEvent> page;
    do {
      page = events.ofType(trialId, EventType.LOG, after, LOG_PAGE);
      for (TrialEvent event : page) {
        context.log().accept(StepResults.read(event.payload()).path("message").asString());
        after = event.id();
      }
    } while (page.size() == LOG_PAGE);
    return after;
  }

  /**
   * The trial's metrics: the last value of each as {@code metrics}, every point as {@code series}.
   */
  private void metrics(long trialId, ObjectNode result) {
    ObjectNode metrics = result.putObject("metrics");
    ObjectNode series = result.putObject("series");
    long after = 0;
    List<TrialEvent> page;
    do {
      page = events.ofType(trialId, EventType.METRIC, after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        JsonNode point = StepResults.read(event.payload());
        String key = point.path("key").asString();
        double value = point.path("value").asDouble(Double.NaN);
        StepResults.put(metrics, key, value);
        ArrayNode points = series.has(key) ? (ArrayNode) series.get(key) : series.putArray(key);
        ArrayNode pair = points.addArray();
        pair.add(point.path("step").asLong());
        if (Double.isFinite(value)) {
          pair.add(value);
        } else {
          pair.addNull();
        }
        after = event.id();
      }
    } while (page.size() == EventStore.MAX_PAGE);
  }

  /** The names of the output files the trial's program wrote, latest report of each. */
  private List<String> outputNames(long trialId) {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    long after = 0;
    List<TrialEvent> page;
    do {
      page = events.ofType(trialId, EventType.ARTIFACT, after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        JsonNode ref = StepResults.read(event.payload());
        if (Objects.equals(RunArtifact.OUTPUT_KIND, ref.path("kind").asString())) {
          names.add(ref.path("name").asString());
        }
        after = event.id();
      }
    } while (page.size() == EventStore.MAX_PAGE);
    return List.copyOf(names);
  }
}
