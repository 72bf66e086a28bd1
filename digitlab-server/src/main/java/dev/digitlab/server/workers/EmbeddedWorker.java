package dev.digitlab.server.workers;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.search.TrialPruning;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.DatasetSource;
import dev.digitlab.worker.run.EventDeliveryException;
import dev.digitlab.worker.run.RunArtifact;
import dev.digitlab.worker.run.RunOutcome;
import dev.digitlab.worker.run.TrialRun;
import dev.digitlab.worker.run.TrialRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The worker inside the server: {@code digitlab.worker.slots} virtual threads, each claiming a
 * trial from the queue, running it with {@link TrialRunner}, writing its events to the event table,
 * heartbeating its lease, and completing it. One more thread puts trials whose lease expired back
 * in the queue (a crashed server's, or a remote worker's).
 */
@Component
@EnableConfigurationProperties(WorkerSettings.class)
class EmbeddedWorker implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedWorker.class);

  /** How often a running trial's cancel flag is read, at most. */
  static final Duration CANCEL_CHECK = Duration.ofSeconds(1);

  private final WorkerSettings settings;
  private final TrialQueue queue;
  private final TrialStore trials;
  private final ExperimentStore experiments;
  private final EventStore events;
  private final TrialRunner runner;
  private final TrialDirectories trialFiles;
  private final QueueSignal queueSignal;
  private final TrainingThroughput throughput;
  private final Checkpoints checkpoints;
  private final TrialPruning pruning;
  private final ExperimentFiles files = new ExperimentFiles();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  EmbeddedWorker(
      WorkerSettings settings,
      TrialQueue queue,
      TrialStore trials,
      ExperimentStore experiments,
      EventStore events,
      TrialDirectories trialFiles,
      QueueSignal queueSignal,
      TrainingThroughput throughput,
      Checkpoints checkpoints,
      TrialPruning pruning,
      @Value("${digitlab.home}") Path home) {
    this.settings = settings;
    this.queue = queue;
    this.trials = trials;
    this.experiments = experiments;
    this.events = events;
    this.trialFiles = trialFiles;
    this.queueSignal = queueSignal;
    this.throughput = throughput;
    this.checkpoints = checkpoints;
    this.pruning = pruning;
    Path dataHome = settings.dataHome() == null ? home : settings.dataHome();
    this.runner =
        new TrialRunner(
            DatasetSource.of(
                new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE))));
  }

  @Override
  public synchronized void start() {
    running = true;
    // Workers could not heartbeat while this server was down: their leases get a fresh term
    // rather than being counted as lost, and the sweeper requeues those that stay silent.
    int runningTrials = queue.extendRunningLeases(settings.lease());
    if (runningTrials > 0) {
      log.info(
          "{} trial(s) were running: their workers have {} to heartbeat, else they are requeued",
          runningTrials,
          settings.lease());
    }
    threads.add(Thread.ofVirtual().name("lease-sweeper").start(this::sweepLoop));
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

  private void sweepLoop() {
    while (running) {
      try {
        int timedOut = queue.failTimedOut();
        if (timedOut > 0) {
          log.info("{} trial(s) ran longer than the trial timeout and failed", timedOut);
        }
        int requeued = queue.sweepExpired();
        if (requeued > 0) {
          queueSignal.trialsQueued();
          log.info("Requeued {} trial(s) whose lease expired", requeued);
        }
        Thread.sleep(settings.lease().dividedBy(2));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("Sweeping expired leases failed; trying again", e);
        if (!pause(settings.lease().dividedBy(2))) {
          return;
        }
      }
    }
  }

  private void workLoop(String workerName) {
    while (running) {
      try {
        long seen = queueSignal.generation();
        Optional<Lease> lease = queue.claim(workerName, Set.of("cpu"), settings.lease());
        if (lease.isPresent()) {
          run(lease.get());
        } else {
          // A submission in this process wakes the slot at once; the poll finds the rest.
          queueSignal.awaitAfter(seen, settings.pollInterval());
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
  private void run(Lease lease) throws InterruptedException {
    long trialId = lease.trialId();
    CancellationToken cancellation = new CancellationToken();
    Path workDir = trialFiles.of(trialId).resolve("attempt-" + lease.attempt());
    StoreEventSink sink =
        new StoreEventSink(
            lease,
            events,
            trials,
            pruning,
            cancellation,
            throughput,
            seq ->
                checkpoints.keep(
                    trialId,
                    lease.leaseToken(),
                    lease.attempt(),
                    seq,
                    RunArtifact.CHECKPOINT.in(workDir)),
            trialFiles.artifacts(),
            workDir);
    TrialRun run =
        new TrialRun(
            trialId,
            lease.attempt(),
            files.readConfig(lease.config()),
            workDir,
            lease.resumeFrom() == null ? null : checkpoints.file(trialId, lease.resumeFrom()),
            lease.firstSeq());
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
      outcome = runner.run(run, sink, cancellation);
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
      queue.complete(trialId, lease.leaseToken(), outcome(trialId, outcome, sink));
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
  private void heartbeatLoop(Lease lease, CancellationToken cancellation, CountDownLatch runEnded) {
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
              queue
                  .heartbeat(lease.trialId(), lease.leaseToken(), settings.lease())
                  .cancelRequested();
        } else {
          cancelRequested = trials.cancelRequested(lease.trialId());
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

  private TrialOutcome outcome(long trialId, RunOutcome outcome, StoreEventSink sink) {
    Double trainSeconds = sink.metric("train_seconds");
    return switch (outcome.status()) {
      case SUCCEEDED ->
          new TrialOutcome.Succeeded(
              orZero(sink.metric("test_accuracy")),
              orZero(sink.metric("test_f1_macro")),
              sink.metric(objectiveMetric(trialId)),
              trainSeconds == null ? outcome.result().trainSeconds() : trainSeconds,
              sink.lastMetricsJson());
      case FAILED ->
          new TrialOutcome.Failed(
              outcome.failure() == null ? "training failed" : outcome.failure(),
              sink.lastError(),
              trainSeconds);
      case CANCELLED -> new TrialOutcome.Cancelled(trainSeconds);
    };
  }

  private String objectiveMetric(long trialId) {
    long experimentId = trials.get(trialId).experimentId();
    return experiments.find(experimentId).map(e -> e.objective().metric()).orElse("");
  }

  private static double orZero(Double value) {
    return value == null ? 0 : value;
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
