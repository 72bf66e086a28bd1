package dev.digitlab.ml.train;

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
}
