package dev.digitlab.server.pipelines;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the pipelines API answers: runs, steps and attempts, with results as plain JSON values. */
final class PipelineViews {

  private PipelineViews() {}

  /** A run with how many of its steps are in each status. */
  record RunView(
      long id,
      String name,
      String owner,
      String description,
      String status,
      String traceId,
      Instant createdAt,
      Instant finishedAt,
      Double wallSeconds,
      String failureReason,
      Map<String, Long> steps) {

    static RunView of(PipelineRun run, List<PipelineStep> steps) {
      Map<String, Long> counts = new java.util.TreeMap<>();
      steps.forEach(s -> counts.merge(s.status().dbValue(), 1L, Long::sum));
      return new RunView(
          run.id(),
          run.name(),
          run.owner(),
          run.description(),
          run.status().dbValue(),
          run.traceId(),
          run.createdAt(),
          run.finishedAt(),
          run.finishedAt() == null
              ? null
              : Duration.between(run.createdAt(), run.finishedAt()).toMillis() / 1000.0,
          run.failureReason(),
          counts);
    }
  }

  /** A step with its attempts and result. */
  record StepView(
      String name,
      String type,
      String status,
      List<String> dependsOn,
      String sweepParameter,
      String sweepValue,
      Object parameters,
      int attempts,
      int maxAttempts,
      long timeoutMillis,
      Long trialId,
      Instant startedAt,
      Instant finishedAt,
      String failureReason,
      String waitingFor,
      Object result,
      List<AttemptView> attemptList) {

    static StepView of(PipelineStep step, List<StepAttempt> attempts, String waitingFor) {
      return new StepView(
          step.name(),
          step.type(),
          step.status().dbValue(),
          step.dependsOn(),
          step.sweepParameter(),
          step.sweepValue(),
          StepResults.plain(step.parameters()),
          step.attempts(),
          step.maxAttempts(),
          step.timeoutMillis(),
          step.trialId(),
          step.startedAt(),
          step.finishedAt(),
          step.failureReason(),
          waitingFor,
          StepResults.plain(step.result()),
          attempts.stream().filter(a -> a.stepId() == step.id()).map(AttemptView::of).toList());
    }
  }

  /** One attempt: a Gantt bar and an OpenTelemetry span. */
  record AttemptView(
      String step,
      int attempt,
      String status,
      Instant startedAt,
      Instant finishedAt,
      String error,
      String spanId) {

    static AttemptView of(StepAttempt a) {
      return new AttemptView(
          a.stepName(),
          a.attempt(),
          a.status(),
          a.startedAt(),
          a.finishedAt(),
          a.error(),
          a.spanId());
    }
  }
}
