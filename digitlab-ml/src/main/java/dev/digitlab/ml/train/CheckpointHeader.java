package dev.digitlab.ml.train;

import dev.digitlab.ml.model.FastSpec;
import dev.digitlab.ml.model.ModelSpec;
import java.util.List;

/**
 * The JSON part of a checkpoint or model file: the config that built the network, how far the run
 * got, and its history so far, so a resumed run reports the whole run.
 *
 * @param format file format version, {@link CheckpointFile#FORMAT}
 * @param globalStep optimizer steps taken; also fixes the learning-rate schedule's position
 */
public record CheckpointHeader(
    int format,
    TrainingConfig config,
    int epochsCompleted,
    long globalStep,
    List<EpochMetrics> history,
    List<StepLoss> stepLosses) {

  public CheckpointHeader {
    history = List.copyOf(history);
    stepLosses = List.copyOf(stepLosses);
  }

  /**
   * The network this file's parameters belong to: its config's, in the layer order of the file's
   * format (format 1 stored the fast recipe with batch norm before the pool).
   */
  public ModelSpec modelSpec() {
    return modelSpec(format, config);
  }

  static ModelSpec modelSpec(int format, TrainingConfig config) {
    ModelSpec spec = config.modelSpec();
    return format < 2 && spec instanceof FastSpec fast ? fast.normBeforePool() : spec;
  }
}
