package dev.digitlab.server.workers;

import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.queue.ResumePoint;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.EventDeliveryException;
import dev.digitlab.worker.run.RunArtifact;
import dev.digitlab.worker.run.RunOutcome;
import dev.digitlab.worker.run.RunStatus;
import dev.digitlab.worker.run.TrialRun;
import dev.digitlab.worker.run.TrialRunner;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The worker inside the server: {@code digitlab.worker.slots} virtual threads, each claiming a
 * trial from the queue, running it with {@link TrialRunner}, writing its events to the event table,
 * heartbeating its lease, and completing it: an adapter over {@link AttemptReports}, like the
 * remote protocol's {@code WorkerController}. It also runs the server-only trials (a retraining's),
 * whose data only this server has. Trials whose lease expired are requeued by the {@code
 * LeaseSweeper}.
 */
@Component
@EnableConfigurationProperties(WorkerSettings.class)
class EmbeddedWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedWorker.class);

  /** How often a running trial's cancel flag is read, at most. */
  static final Duration CANCEL_CHECK = Duration.ofSeconds(1);

  private final WorkerSettings settings;
  private final AttemptReports attempts;
  private final TrialRunner runner;
  private final AttemptFiles files;
  private final TrainingThroughput throughput;
  private final EmbeddedCommands commands;
  private final ExperimentFiles experimentFiles = new ExperimentFiles();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  EmbeddedWorker(
      WorkerSettings settings,
      AttemptReports attempts,
      WorkerDatasets datasets,
      AttemptFiles files,
      TrainingThroughput throughput,
      EmbeddedCommands commands) {
    this.settings = settings;
    this.commands = commands;
    this.attempts = attempts;
    this.files = files;
    this.throughput = throughput;
    this.runner = new TrialRunner(datasets, Clock.systemUTC(), settings.eventBatching());
  }

  @Override
  public synchronized void start() {
    running = true;
    for (int slot = 1; slot <= settings.slots(); slot++) {
      String name = "embedded-" + slot;
      // A platform thread, not a virtual one: libtorch's OpenMP keeps a thread team per calling
      // OS thread, and a virtual thread that moves between carriers after each blocking call
      // would make every carrier a new team master, with more spinning threads than cores.
      threads.add(Thread.ofPlatform().daemon().name("worker-" + name).start(() -> workLoop(name)));
    }
    log.info("Embedded worker started with {} slot(s)", settings.slots());
  }

  @Override
  public synchronized void stop() {
    running = false;
    // An interrupted run stops training without a final status; its lease expires and the
    // sweeper requeues it, and the next attempt resumes from its last checkpoint.
    threads.forEach(Thread::interrupt);
    for (Thread thread : threads) {
      try {
        thread.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    threads.clear();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void workLoop(String workerName) {
    while (running) {
      try {
        // A submission in this process wakes the slot at once; the poll finds the rest.
        Optional<LeaseGrant> lease =
            attempts.claim(
                workerName,
                commands.capabilities(),
                settings.lease(),
                settings.pollInterval(),
                settings.pollInterval(),
                true);
        if (lease.isPresent()) {
          run(lease.get());
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.error("The embedded worker {} failed; it carries on after a pause", workerName, e);
        if (!pause(settings.pollInterval().multipliedBy(10))) {
          return;
        }
      }
    }
  }

  /** One attempt of a claimed trial, from its first event to its completion. */
  private void run(LeaseGrant lease) throws InterruptedException {
    long trialId = lease.trialId();
    CancellationToken cancellation = new CancellationToken();
    Path workDir = files.workDir(trialId, lease.attempt());
    StoreEventSink sink =
        new StoreEventSink(
            lease,
            attempts,
            cancellation,
            throughput,
            seq ->
                files.keepCheckpoint(
                    trialId,
                    lease.leaseToken(),
                    lease.attempt(),
                    seq,
                    RunArtifact.CHECKPOINT.in(workDir)),
            files.artifacts(),
            workDir);
    log.info("Running trial {} attempt {}", trialId, lease.attempt());
    // Stopped through a latch, not an interrupt: an interrupt landing while the heartbeat commits
    // to the embedded H2 file closes H2's file channel (ClosedByInterruptException), and with it
    // the database for the whole server (seen in FeedbackLoopTest).
    CountDownLatch runEnded = new CountDownLatch(1);
    Thread heartbeat =
        Thread.ofVirtual()
            .name("heartbeat-" + trialId)
            .start(() -> heartbeatLoop(lease, cancellation, runEnded));
    RunOutcome outcome;
    try {
      outcome =
          lease.command() != null
              ? commands.run(lease, workDir, resumeFrom(lease), sink, cancellation)
              : runner.run(
                  new TrialRun(
                      trialId,
                      lease.attempt(),
                      experimentFiles.readConfig(lease.config()),
                      workDir,
                      resumeFrom(lease),
                      lease.firstSeq()),
                  sink,
                  cancellation);
    } catch (EventDeliveryException e) {
      if (e.getCause() instanceof LeaseLostException) {
        log.warn("Trial {} attempt {} lost its lease; dropped", trialId, lease.attempt());
        return;
      }
      throw e;
    } finally {
      throughput.finished(trialId);
      runEnded.countDown();
      heartbeat.join();
    }
    try {
      attempts.complete(trialId, completion(lease, outcome, sink));
      log.info("Trial {} attempt {} ended {}", trialId, lease.attempt(), outcome.status());
    } catch (LeaseLostException e) {
      log.warn(
          "Trial {} attempt {} lost its lease; its outcome is dropped", trialId, lease.attempt());
    }
  }

  /**
   * Heartbeats every third of the lease, and looks at the trial's cancel flag every {@link
   * #CANCEL_CHECK} in between, so that a user's cancel stops the run within about a second rather
   * than within a heartbeat interval (20 s with the default lease).
   */
  private void heartbeatLoop(
      LeaseGrant lease, CancellationToken cancellation, CountDownLatch runEnded) {
    Duration beatEvery = settings.lease().dividedBy(3);
    Duration tick = beatEvery.compareTo(CANCEL_CHECK) < 0 ? beatEvery : CANCEL_CHECK;
    long sinceBeat = 0;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        if (runEnded.await(tick.toNanos(), TimeUnit.NANOSECONDS)) {
          return;
        }
        sinceBeat += tick.toNanos();
        boolean cancelRequested;
        if (sinceBeat >= beatEvery.toNanos()) {
          sinceBeat = 0;
          cancelRequested =
              attempts
                  .heartbeat(lease.trialId(), lease.leaseToken(), settings.lease())
                  .cancelRequested();
        } else {
          cancelRequested = attempts.cancelRequested(lease.trialId());
        }
        if (cancelRequested) {
          cancellation.cancel();
        }
      } catch (InterruptedException e) {
        return;
      } catch (LeaseLostException e) {
        log.warn("Trial {} lost its lease; stopping its run", lease.trialId());
        cancellation.cancel();
        return;
      } catch (RuntimeException e) {
        log.warn("Heartbeat of trial {} failed; trying again", lease.trialId(), e);
      }
    }
  }

  /** The checkpoint the attempt resumes from, or null to start from scratch. */
  private Path resumeFrom(LeaseGrant lease) {
    if (lease.resumeEpoch() == null) {
      return null;
    }
    ResumePoint point = attempts.holder(lease.trialId(), lease.leaseToken()).resumeFrom();
    return point == null ? null : files.checkpoint(lease.trialId(), point);
  }

  /** The attempt's end as a remote worker reports it, so that both take one path. */
  private static Completion completion(LeaseGrant lease, RunOutcome outcome, StoreEventSink sink) {
    Double trainSeconds = sink.metrics().get("train_seconds");
    return new Completion(
        lease.leaseToken(),
        outcome.status().wireName(),
        outcome.status() == RunStatus.FAILED ? outcome.failure() : null,
        outcome.status() == RunStatus.FAILED ? sink.lastError() : null,
        false,
        trainSeconds != null
            ? trainSeconds
            : outcome.result() == null ? null : outcome.result().trainSeconds(),
        sink.metrics());
  }

  private static boolean pause(Duration duration) {
    try {
      Thread.sleep(duration);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
