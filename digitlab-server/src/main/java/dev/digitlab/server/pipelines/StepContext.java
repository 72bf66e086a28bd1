package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.pipeline.StepSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one attempt of a step gets: its spec, its attempt number, a folder for the files it writes
 * (kept as the step's artifacts), its log, the steps it depends on as stored (with their results),
 * and the steps that depend on it.
 */
record StepContext(
    PipelineRun run,
    StepSpec step,
    long stepId,
    int attempt,
    Path directory,
    Consumer<String> log,
    List<PipelineStep> dependencies,
    List<PipelineStep> dependants,
    TrialRecorder trials) {

  /** Where a train step records the trial it made, so the step page can link to it. */
  @FunctionalInterface
  interface TrialRecorder {
    void record(long trialId);
  }
}
