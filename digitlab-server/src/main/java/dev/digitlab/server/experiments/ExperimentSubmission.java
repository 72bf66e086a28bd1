package dev.digitlab.server.experiments;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.ExperimentLimits;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.experiment.TrialExpansion;
import dev.digitlab.server.code.CodeStore;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.queue.NewTrial;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.security.CommandPermission;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a submitted experiment document into a stored experiment with its queued trials. The
 * document is read and checked in full by {@link ExperimentFiles} before anything is stored, so an
 * invalid one leaves no trace.
 */
@Component
public class ExperimentSubmission {

  private static final ObjectMapper JSON = Json.mapper();

  /** The dataset column of a command experiment, whose program brings its own data. */
  public static final String COMMAND_DATASET = "command";

  private final ExperimentFiles files;
  private final ExperimentStore experiments;
  private final QueueSignal queueSignal;
  private final CodeStore code;
  private final CommandPermission commands;
  private final DatasetRegistry datasets;
  private final int maxTrials;

  ExperimentSubmission(
      ExperimentStore experiments,
      QueueSignal queueSignal,
      CodeStore code,
      CommandPermission commands,
      DatasetRegistry datasets,
      @Value("${digitlab.experiments.max-trials:" + TrialExpansion.DEFAULT_MAX_TRIALS + "}")
          int maxTrials) {
    this.experiments = experiments;
    this.queueSignal = queueSignal;
    this.code = code;
    this.commands = commands;
    this.datasets = datasets;
    this.maxTrials = maxTrials;
    this.files = new ExperimentFiles(ExperimentLimits.DEFAULTS.withMaxTrials(maxTrials));
  }

  /**
   * Reads the document (at most the size limit plus one byte of it), expands it and stores it as
   * {@code owner}'s.
   *
   * @throws InvalidExperimentException listing every problem; nothing is stored then
   */
  Experiment submit(
      InputStream document, FileFormat format, String owner, HttpServletRequest request)
      throws IOException {
    return store(permitted(files.read(document, format), request), owner);
  }

  /**
   * The spec, if the request may submit it: a command experiment needs the run-commands permission
   * (403 otherwise), checked before anything is stored.
   */
  private ExperimentSpec permitted(ExperimentSpec spec, HttpServletRequest request) {
    if (spec.isCommand()) {
      commands.checkMaySubmitCommands(request, "a command experiment ('" + spec.name() + "')");
    }
    return spec;
  }

  /**
   * The experiment a JSON document describes, checked exactly as a submission is, without storing
   * anything (the web form's trial count and inline errors): a built-in experiment against its
   * dataset too, as {@link #store} does. A command experiment's code is only checked on submit.
   *
   * @throws InvalidExperimentException listing every problem
   */
  ExperimentSpec check(String json) {
    ExperimentSpec spec = files.read(json, FileFormat.JSON);
    if (!spec.isCommand()) {
      onItsDataset(spec);
    }
    return spec;
  }

  /** How many trials {@code spec} expands to. */
  static long trialCount(ExperimentSpec spec) {
    return TrialExpansion.trialCount(spec);
  }

  /**
   * A new experiment made from {@code source}'s submitted spec with {@code edits} merged over it as
   * a JSON merge patch (RFC 7396: objects merge field by field, {@code null} removes a field, any
   * other value — lists too — replaces), then checked like a new submission. Empty edits clone the
   * experiment as it is. The clone is {@code owner}'s, whoever owns the source: anyone who may
   * create experiments may clone any.
   *
   * @throws InvalidExperimentException naming every problem of the edited experiment; nothing is
   *     stored then
   */
  Experiment clone(
      Experiment source,
      InputStream edits,
      FileFormat format,
      String owner,
      HttpServletRequest request)
      throws IOException {
    byte[] bytes = edits.readNBytes(files.limits().maxDocumentBytes() + 1);
    if (bytes.length > files.limits().maxDocumentBytes()) {
      throw new InvalidExperimentException(
          new FieldError(
              "", "the edits are larger than " + files.limits().maxDocumentBytes() + " bytes"));
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    JsonNode spec = JSON.readTree(source.spec());
    if (!text.isBlank()) {
      JsonNode patch = files.readTree(text, format);
      if (!patch.isObject()) {
        throw new InvalidExperimentException(
            new FieldError(
                "", "the edits must be an object of fields to change, like {config: {epochs: 2}}"));
      }
      spec = merge(spec, patch);
    }
    return store(permitted(files.fromTree(spec), request), owner);
  }

  private static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode merged =
        target.isObject() ? ((ObjectNode) target).deepCopy() : JSON.createObjectNode();
    patch
        .properties()
        .forEach(
            field -> {
              if (field.getValue().isNull()) {
                merged.remove(field.getKey());
              } else {
                merged.set(field.getKey(), merge(merged.path(field.getKey()), field.getValue()));
              }
            });
    return merged;
  }

  /**
   * The worker capability a config needs: {@code device: gpu} needs a GPU worker, {@code device:
   * cpu} a CPU one, {@code auto} (the default) runs anywhere.
   */
  public static String requires(TrainingConfig config) {
    return switch (config.device()) {
      case GPU -> "gpu";
      case CPU -> "cpu";
      case AUTO -> null;
    };
  }

  /**
   * Stores an experiment already read and checked (a pipeline's train step) with its queued trials,
   * exactly as a submitted document would be, as {@code owner}'s.
   */
  public Experiment submit(ExperimentSpec spec, String owner) {
    return store(spec, owner);
  }

  /**
   * The spec with its dataset resolved: a built-in one as it is, a registered one with its digest
   * (checked against the one the spec gives, as an exported spec does).
   *
   * @throws InvalidExperimentException for a name the server does not know (naming those it does),
   *     or a digest other than the server's dataset of that name
   */
  private ExperimentSpec withDataset(ExperimentSpec spec) {
    String problem = datasets.unknownProblem(spec.dataset());
    if (problem != null) {
      throw new InvalidExperimentException(new FieldError("dataset", problem));
    }
    var registered = datasets.find(spec.dataset());
    if (registered.isEmpty()) {
      if (spec.datasetSha256() != null) {
        throw new InvalidExperimentException(
            new FieldError(
                "datasetSha256",
                "'" + spec.dataset() + "' is a built-in dataset; leave datasetSha256 out"));
      }
      return spec;
    }
    String sha = registered.get().dataset().sha256();
    if (spec.datasetSha256() != null && !spec.datasetSha256().equals(sha)) {
      throw new InvalidExperimentException(
          new FieldError(
              "datasetSha256",
              "this server's dataset '"
                  + spec.dataset()
                  + "' has digest "
                  + sha
                  + ", not "
                  + spec.datasetSha256()
                  + ": it holds other files; register the experiment's dataset under another"
                  + " name"));
    }
    return spec.withDatasetSha256(sha);
  }

  /**
   * Refuses a {@code trainSubset} larger than the dataset, as {@code digitlab train --train-subset}
   * does: it would train on every image without a word. Said on the field that set it, the config's
   * or the search's.
   */
  private void checkSubsets(ExperimentSpec spec, List<TrainingConfig> configs) {
    int images =
        datasets
            .find(spec.dataset())
            .map(entry -> entry.dataset().trainCount())
            .orElseGet(() -> DatasetId.byName(spec.dataset()).trainImages());
    for (TrainingConfig config : configs) {
      String problem = TrainingData.subsetProblem(config.trainSubset(), images, spec.dataset());
      if (problem != null) {
        boolean searched =
            spec.search() != null
                && spec.search().parameters().stream()
                    .anyMatch(parameter -> parameter.field().equals("trainSubset"));
        throw new InvalidExperimentException(
            new FieldError(
                searched ? "search.parameters.trainSubset" : "config.trainSubset", problem));
      }
    }
  }

  /** A built-in experiment's spec with its dataset resolved, and the configs of its trials. */
  private record OnDataset(ExperimentSpec spec, List<TrainingConfig> configs) {}

  /**
   * A built-in experiment checked against its dataset, by the submit and the form's preview alike:
   * the dataset is one this server knows (a field error naming those it does, never an exception
   * from the lookup), and no trial's {@code trainSubset} is larger than it. A built-in dataset's
   * size is fixed, so neither needs its files fetched on the server.
   *
   * @throws InvalidExperimentException for the first problem found
   */
  private OnDataset onItsDataset(ExperimentSpec spec) {
    ExperimentSpec resolved = withDataset(spec);
    List<TrainingConfig> configs = TrialExpansion.expand(resolved, maxTrials);
    checkSubsets(resolved, configs);
    return new OnDataset(resolved, configs);
  }

  private Experiment store(ExperimentSpec spec, String owner) {
    List<NewTrial> trials;
    String dataset;
    if (spec.isCommand()) {
      String problem = code.problem(spec.command());
      if (problem != null) {
        throw new InvalidExperimentException(new FieldError("code", problem));
      }
      trials =
          TrialExpansion.parameterTrials(spec, maxTrials).stream()
              .map(parameters -> NewTrial.command(parameters.toString()))
              .toList();
      dataset = COMMAND_DATASET;
    } else {
      OnDataset checked = onItsDataset(spec);
      spec = checked.spec();
      trials =
          checked.configs().stream()
              .map(config -> new NewTrial(files.configJson(config), requires(config)))
              .toList();
      dataset = spec.dataset();
    }
    Experiment stored =
        experiments.create(
            new NewExperiment(
                spec.name(),
                owner,
                spec.description(),
                spec.tags(),
                dataset,
                files.toTree(spec).toString(),
                spec.objective(),
                spec.maxParallelTrials(),
                spec.priority(),
                trials));
    // A search that suggests its trials as it runs (TPE) queued its first ones in create, as a
    // TrialLifecycle told of the new experiment's trials.
    queueSignal.trialsQueued();
    return stored;
  }
}
