package dev.digitlab.ml.train;

import java.nio.file.Path;

/**
 * Where a run writes files, each optional (null = not written).
 *
 * @param checkpointFile rewritten atomically after every epoch
 * @param resumeFrom a checkpoint to continue from
 * @param modelFile the trained parameters, written at the end
 */
public record TrainingOutputs(Path checkpointFile, Path resumeFrom, Path modelFile) {

  /** Write nothing, resume from nothing. */
  public static final TrainingOutputs NONE = new TrainingOutputs(null, null, null);
}
