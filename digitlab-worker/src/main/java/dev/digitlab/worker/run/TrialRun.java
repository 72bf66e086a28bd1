package dev.digitlab.worker.run;

import dev.digitlab.ml.train.TrainingConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One attempt of a trial, as a worker receives it.
 *
 * @param attempt 1 for the first execution; a retry or a resume is a new attempt
 * @param workDir where this attempt writes its checkpoint, model and reports (created if missing)
 * @param resumeCheckpoint a checkpoint of an earlier attempt to continue from; null to start fresh
 * @param firstSeq the sequence number of this attempt's first event: 1 for a new trial, one past
 *     the last event the server kept when resuming, so that the trial's stream stays one numbering
 * @param datasetDir the folder of the registered dataset the config names, fetched by the worker;
 *     null to find the dataset by the config's name ({@link DatasetSource})
 */
public record TrialRun(
    long trialId,
    int attempt,
    TrainingConfig config,
    Path workDir,
    Path resumeCheckpoint,
    long firstSeq,
    Path datasetDir) {

  /** An attempt on a dataset found by name. */
  public TrialRun(
      long trialId,
      int attempt,
      TrainingConfig config,
      Path workDir,
      Path resumeCheckpoint,
      long firstSeq) {
    this(trialId, attempt, config, workDir, resumeCheckpoint, firstSeq, null);
  }

  public TrialRun {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(workDir, "workDir");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
    }
    if (firstSeq < 1) {
      throw new IllegalArgumentException("firstSeq must be at least 1, got " + firstSeq);
    }
  }
}
