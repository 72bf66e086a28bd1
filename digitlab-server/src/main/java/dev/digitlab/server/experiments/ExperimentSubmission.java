package dev.digitlab.server.experiments;

import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.ExperimentLimits;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.experiment.TrialExpansion;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Turns a submitted experiment document into a stored experiment with its queued trials. The
 * document is read and checked in full by {@link ExperimentFiles} before anything is stored, so an
 * invalid one leaves no trace.
 */
@Component
class ExperimentSubmission {

  private final ExperimentFiles files;
  private final ExperimentStore experiments;
  private final int maxTrials;

  ExperimentSubmission(
      ExperimentStore experiments,
      @Value("${digitlab.experiments.max-trials:" + TrialExpansion.DEFAULT_MAX_TRIALS + "}")
          int maxTrials) {
    this.experiments = experiments;
    this.maxTrials = maxTrials;
    this.files = new ExperimentFiles(ExperimentLimits.DEFAULTS.withMaxTrials(maxTrials));
  }

  /**
   * Reads the document (at most the size limit plus one byte of it), expands it and stores it.
   *
   * @throws InvalidExperimentException listing every problem; nothing is stored then
   */
  Experiment submit(InputStream document, FileFormat format) throws IOException {
    ExperimentSpec spec = files.read(document, format);
    List<TrainingConfig> configs = TrialExpansion.expand(spec, maxTrials);
    return experiments.create(
        new NewExperiment(
            spec.name(),
            spec.description(),
            spec.tags(),
            spec.dataset(),
            files.toTree(spec).toString(),
            new Objective(
                spec.objective().metric().configName(), goal(spec.objective().goal().configName())),
            spec.maxParallelTrials(),
            spec.priority(),
            configs.stream().map(config -> NewTrial.of(files.configJson(config))).toList()));
  }

  private static Objective.Goal goal(String name) {
    return Objective.Goal.fromDb(name);
  }
}
