package dev.digitlab.protocol.pipeline;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads pipeline documents (YAML or JSON) into checked {@link PipelineSpec}s. The text is parsed by
 * the experiment reader's hardened parser (size, depth and alias limits, line/column errors), so a
 * pipeline file is held to the same rules as an experiment file.
 */
public final class PipelineFiles {

  private static final ObjectMapper JSON = Json.mapper();

  private final ExperimentFiles experiments = new ExperimentFiles();

  /**
   * The pipeline a document describes, checked in full.
   *
   * @throws InvalidPipelineException listing every problem found, each naming its step
   */
  public PipelineSpec read(String text, FileFormat format) {
    JsonNode tree;
    try {
      tree = experiments.readTree(text, format);
    } catch (InvalidExperimentException e) {
      throw new InvalidPipelineException(e.errors());
    }
    return fromTree(tree);
  }

  /** As {@link #read} for a tree already parsed. */
  public PipelineSpec fromTree(JsonNode tree) {
    return new PipelineTreeReader(experiments).read(tree);
  }

  /**
   * The training config a train step's parameters describe (checked by {@link #read} already).
   *
   * @throws InvalidPipelineException if they are not a valid config
   */
  public TrainingConfig trainingConfig(StepSpec step) {
    ObjectNode experiment = JSON.createObjectNode();
    experiment.put("name", step.name());
    experiment.set("config", step.parameters());
    try {
      return experiments.fromTree(experiment).config();
    } catch (InvalidExperimentException e) {
      throw new InvalidPipelineException(
          e.errors().stream()
              .map(
                  error ->
                      new FieldError(
                          "steps."
                              + step.name()
                              + ".parameters"
                              + error.path().replaceFirst("^config", ""),
                          "step '" + step.name() + "': " + error.message()))
              .toList());
    }
  }

  /** The training config as the JSON the experiment API stores for a trial. */
  public String configJson(TrainingConfig config) {
    return experiments.configJson(config);
  }
}
