package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.pipeline.PipelineSpec;
import dev.digitlab.protocol.pipeline.StepFaults;
import dev.digitlab.protocol.pipeline.StepSpec;
import dev.digitlab.protocol.pipeline.StepType;
import io.opentelemetry.api.trace.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs pipeline runs: a step whose dependencies succeeded is queued for one of a bounded number of
 * step slots; a step whose dependency failed or was skipped is skipped (a gathering step, such as a
 * summary, runs once all its dependencies ended, however they ended). Each step is tried up to its
 * max attempts with a doubling backoff; an attempt runs on its own thread and is interrupted when
 * its timeout passes, which counts as a failed attempt. The run ends when every step has ended:
 * succeeded if all did, failed otherwise.
 *
 * <p>The runs' progress lives in the database; the threads that run steps live in this process,
 * which renews its runs' heartbeat every {@code digitlab.pipelines.heartbeat}. A run whose
 * heartbeat stops (its server stopped or crashed) is marked failed by any server after {@link
 * #SILENT_BEATS} missed beats, decided on the store's clock.
 */
@Component
public class PipelineExecutor implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(PipelineExecutor.class);

  /** Heartbeats a run may miss before any server counts its process as gone. */
  static final int SILENT_BEATS = 6;

  /** How long a shutdown waits for interrupted steps to record how they ended. */
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private final PipelineStore store;
  private final PipelineTracing tracing;
  private final Map<StepType, StepHandler> handlers = new EnumMap<>(StepType.class);
  private final Path home;
  private final ExecutorService slots;
  private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService keepAlive =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("pipeline-heartbeat").unstarted(runnable));
  private final Duration heartbeat;
  private final Object beating = new Object();

  /** The spec of each run this process is running; steps read their spec from here. */
  private final Map<Long, PipelineSpec> specs = new HashMap<>();

  /** The threads running each run's steps now: a cancel interrupts them. */
  private final Map<Long, Set<Thread>> stepThreads = new HashMap<>();

  /** Runs cancelled while this process runs them, with who cancelled them. */
  private final Map<Long, String> cancelled = new HashMap<>();

  PipelineExecutor(
      PipelineStore store,
      PipelineTracing tracing,
      List<StepHandler> handlers,
      @Value("${digitlab.home}") Path home,
      @Value("${digitlab.pipelines.step-slots:2}") int stepSlots,
      @Value("${digitlab.pipelines.heartbeat:5s}") Duration heartbeat) {
    this.store = store;
    this.heartbeat = heartbeat;
    this.tracing = tracing;
    this.home = home;
    handlers.forEach(handler -> this.handlers.put(handler.type(), handler));
    AtomicInteger slot = new AtomicInteger();
    this.slots =
        Executors.newFixedThreadPool(
            stepSlots,
            runnable ->
                Thread.ofPlatform()
                    .daemon()
                    .name("pipeline-step-" + slot.incrementAndGet())
                    .unstarted(runnable));
    keepAlive.scheduleWithFixedDelay(this::beat, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Renews the heartbeat of the runs this process runs, and fails the running runs whose heartbeat
   * is older than {@link #SILENT_BEATS} beats: their process is gone. Any server of a cluster may
   * do the second; none fails a run whose process is alive.
   */
  void beat() {
    // One beat at a time, each on one reading of the clock, read before the runs are listed: a
    // beat that renewed its runs at an earlier instant, or listed them before a run started, must
    // not judge silence at a later one (it would fail its own live runs).
    synchronized (beating) {
      try {
        Instant now = store.now();
        List<Long> mine;
        synchronized (this) {
          mine = List.copyOf(specs.keySet());
        }
        store.heartbeat(mine, now);
        int ended = store.failSilentRuns(now, heartbeat.multipliedBy(SILENT_BEATS));
        if (ended > 0) {
          log.warn("{} pipeline run(s) lost the server running them: marked failed", ended);
        }
      } catch (RuntimeException e) {
        log.warn("pipeline heartbeat failed; retrying at the next beat", e);
      }
    }
  }

  /**
   * Stores {@code owner}'s run of {@code spec} and starts the steps that depend on nothing. The
   * experiments of its train steps are {@code owner}'s too.
   */
  public PipelineRun start(PipelineSpec spec, String specJson, String owner) {
    return start(spec, specJson, owner, () -> {});
  }

  /** The same, {@code hold} running first in the transaction that stores the run. */
  public PipelineRun start(PipelineSpec spec, String specJson, String owner, Runnable hold) {
    PipelineRun run = store.create(spec, specJson, tracing.newTraceId(), owner, hold);
    synchronized (this) {
      specs.put(run.id(), spec);
    }
    tracing.runStarted(run);
    log.info(
        "pipeline run {} ({}) started with {} steps", run.id(), run.name(), spec.steps().size());
    advance(run.id());
    return store.run(run.id()).orElseThrow();
  }

  /**
   * Cancels a run this process runs: its steps that have not started are skipped, and its running
   * steps are interrupted, which cancels the trials they wait on (a command step's program is
   * killed on its worker) and fails them as cancelled. The run then ends failed, "cancelled by
   * {@code who}".
   *
   * @return false if this process does not run it (it ended, or another server runs it)
   */
  public boolean cancel(long runId, String who) {
    synchronized (this) {
      if (!specs.containsKey(runId)) {
        return false;
      }
      cancelled.putIfAbsent(runId, who);
      // Under the lock a step's thread leaves the set with: no interrupt reaches its next task.
      stepThreads.getOrDefault(runId, Set.of()).forEach(Thread::interrupt);
    }
    log.info("pipeline run {} cancelled by {}", runId, who);
    advance(runId);
    return true;
  }

  /** Where a step's files go: {@code <home>/pipelines/<run>/<step>/}. */
  public Path directory(long runId, String step) {
    return home.resolve("pipelines").resolve(Long.toString(runId)).resolve(step);
  }

  /**
   * Moves the run forward: skips the steps that can no longer run, queues those that can (up to the
   * run's parallelism) and ends the run when nothing is left to run.
   */
  synchronized void advance(long runId) {
    PipelineSpec spec = specs.get(runId);
    if (spec == null) {
      return;
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      List<PipelineStep> steps = store.steps(runId);
      Map<String, PipelineStep> byName = new HashMap<>();
      steps.forEach(s -> byName.put(s.name(), s));
      long inFlight =
          steps.stream()
              .filter(s -> s.status() == StepStatus.QUEUED || s.status() == StepStatus.RUNNING)
              .count();
      for (PipelineStep step : steps) {
        if (step.status() != StepStatus.PENDING) {
          continue;
        }
        StepSpec stepSpec = spec.step(step.name()).orElseThrow();
        List<PipelineStep> deps = step.dependsOn().stream().map(byName::get).toList();
        boolean allEnded = deps.stream().allMatch(d -> d.status().isTerminal());
        PipelineStep broken =
            deps.stream()
                .filter(d -> d.status() == StepStatus.FAILED || d.status() == StepStatus.SKIPPED)
                .findFirst()
                .orElse(null);
        if (cancelled.containsKey(runId)) {
          store.skip(step.id(), "skipped: the run was cancelled by " + cancelled.get(runId));
          changed = true;
        } else if (!stepSpec.type().gathers() && broken != null) {
          store.skip(
              step.id(),
              "skipped: it depends on '" + broken.name() + "', which " + broken.status().dbValue());
          changed = true;
        } else if (allEnded && inFlight < spec.maxParallelSteps() && store.queue(step.id())) {
          inFlight++;
          changed = true;
          slots.execute(() -> runStep(runId, stepSpec, step.id()));
        }
      }
      if (!changed && steps.stream().allMatch(s -> s.status().isTerminal())) {
        List<String> failed =
            steps.stream()
                .filter(s -> s.status() == StepStatus.FAILED)
                .map(PipelineStep::name)
                .toList();
        String who = cancelled.remove(runId);
        RunStatus status = failed.isEmpty() && who == null ? RunStatus.SUCCEEDED : RunStatus.FAILED;
        store.finish(
            runId,
            status,
            who != null
                ? "cancelled by " + who
                : failed.isEmpty() ? null : "failed step(s): " + String.join(", ", failed));
        specs.remove(runId);
        stepThreads.remove(runId);
        tracing.runEnded(runId, status);
        log.info("pipeline run {} {}", runId, status.dbValue());
      }
    }
  }

  private void runStep(long runId, StepSpec spec, long stepId) {
    synchronized (this) {
      stepThreads.computeIfAbsent(runId, id -> new HashSet<>()).add(Thread.currentThread());
    }
    int attempt = 0;
    try {
      store.start(stepId);
      if (isCancelled(runId)) {
        throw new InterruptedException("cancelled before it started");
      }
      PipelineRun run = store.run(runId).orElseThrow();
      String lastError = null;
      for (attempt = 1; attempt <= spec.maxAttempts(); attempt++) {
        if (attempt > 1) {
          Duration backoff = spec.backoffBefore(attempt);
          store.appendLog(stepId, attempt, "retrying in " + backoff.toMillis() + " ms");
          Thread.sleep(backoff);
        }
        Span span = tracing.attemptStarted(run, spec, attempt);
        store.startAttempt(stepId, attempt, span.getSpanContext().getSpanId());
        try {
          ObjectNode result = attempt(run, spec, stepId, attempt);
          store.finishAttempt(stepId, attempt, true, null);
          tracing.attemptEnded(span, null);
          store.succeed(stepId, result.toString());
          return;
        } catch (AttemptFailed e) {
          lastError = e.getMessage();
          store.appendLog(stepId, attempt, "attempt " + attempt + " failed: " + lastError);
          store.finishAttempt(stepId, attempt, false, lastError);
          tracing.attemptEnded(span, lastError);
        }
      }
      store.fail(stepId, "failed after " + spec.maxAttempts() + " attempt(s); last: " + lastError);
    } catch (InterruptedException e) {
      String who = cancelledBy(runId);
      String reason =
          who != null
              ? "cancelled: the pipeline run was cancelled by " + who
              : "interrupted: the server is stopping";
      if (attempt >= 1) {
        store.finishAttempt(stepId, attempt, false, reason);
      }
      // Ends failed rather than hanging as "running"; a cancelled run's step is not retried.
      store.fail(stepId, reason);
      if (who == null) {
        Thread.currentThread().interrupt();
      }
    } catch (RuntimeException e) {
      log.error("pipeline run {} step {} failed unexpectedly", runId, spec.name(), e);
      store.fail(stepId, "internal error: " + e);
    } finally {
      synchronized (this) {
        Set<Thread> threads = stepThreads.get(runId);
        if (threads != null) {
          threads.remove(Thread.currentThread());
        }
      }
      // A cancel's interrupt may land after the step ended: it must not stop this slot's next step.
      if (cancelledBy(runId) != null) {
        Thread.interrupted();
      }
      advance(runId);
    }
  }

  private synchronized boolean isCancelled(long runId) {
    return cancelled.containsKey(runId);
  }

  private synchronized String cancelledBy(long runId) {
    return cancelled.get(runId);
  }

  /** One attempt on its own thread, interrupted at its timeout. */
  private ObjectNode attempt(PipelineRun run, StepSpec spec, long stepId, int attempt)
      throws InterruptedException, AttemptFailed {
    StepHandler handler = handlers.get(spec.type());
    if (handler == null) {
      throw new AttemptFailed("no handler for step type " + spec.type().configName());
    }
    List<PipelineStep> steps = store.steps(run.id());
    List<PipelineStep> dependencies =
        steps.stream().filter(s -> spec.dependsOn().contains(s.name())).toList();
    List<PipelineStep> dependants =
        steps.stream().filter(s -> s.dependsOn().contains(spec.name())).toList();
    Path directory = directory(run.id(), spec.name());
    StepContext context =
        new StepContext(
            run,
            spec,
            stepId,
            attempt,
            directory,
            line -> store.appendLog(stepId, attempt, line),
            dependencies,
            dependants,
            trialId -> store.setTrial(stepId, trialId));
    StepFaults.Fault fault = spec.faults().forAttempt(attempt);
    Future<ObjectNode> future =
        attempts.submit(
            () -> {
              Files.createDirectories(directory);
              switch (fault) {
                case FAIL -> throw new IllegalStateException("injected failure (faults.fail)");
                case HANG -> {
                  context.log().accept("injected hang (faults.hang): waiting for the timeout");
                  Thread.sleep(Long.MAX_VALUE);
                }
                case NONE -> {}
              }
              return handler.run(context);
            });
    try {
      return future.get(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new AttemptFailed("timed out after " + spec.timeout().toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      throw new AttemptFailed(message);
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    }
  }

  /** A result field, for handlers reading their dependencies' results. */
  static JsonNode result(PipelineStep step) {
    return StepResults.read(step.result());
  }

  @Override
  public void destroy() throws InterruptedException {
    keepAlive.shutdownNow();
    slots.shutdownNow();
    attempts.shutdownNow();
    // Interrupted steps still write their outcome; let them finish before the data source closes
    // under them (a test dropping its schema meanwhile deadlocked with such a write on PostgreSQL).
    long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
    for (ExecutorService pool : List.of(keepAlive, slots, attempts)) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !pool.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        log.warn("Pipeline steps still running {} after shutdown", SHUTDOWN_GRACE);
        return;
      }
    }
  }

  /** An attempt that ended without a result; the message says why. */
  private static final class AttemptFailed extends Exception {
    private static final long serialVersionUID = 1L;

    AttemptFailed(String message) {
      super(message);
    }
  }
}
