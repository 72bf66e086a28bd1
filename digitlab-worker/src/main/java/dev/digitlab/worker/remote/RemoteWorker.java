package dev.digitlab.worker.remote;

import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.HeartbeatAnswer;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.protocol.worker.WorkerTerms;
import dev.digitlab.worker.command.CommandRun;
import dev.digitlab.worker.command.CommandRunner;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.RunOutcome;
import dev.digitlab.worker.run.RunStatus;
import dev.digitlab.worker.run.TrialRun;
import dev.digitlab.worker.run.TrialRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker on any host: registers with the server, then each slot long-polls for a lease, runs the
 * trial with {@link TrialRunner}, streams its events and artifacts through an on-disk {@link
 * Outbox}, heartbeats the lease (and so sees a cancel within a heartbeat), and completes it. A lost
 * lease (409) stops the attempt and drops what it had not delivered. Losing the server does not
 * stop training: deliveries wait on disk and resume when it is back.
 */
public final class RemoteWorker {

  private static final Logger log = LoggerFactory.getLogger(RemoteWorker.class);
  private static final Duration RETRY_MAX = Duration.ofSeconds(5);
  private static final Duration RETRY_WARNING = Duration.ofMinutes(1);

  /**
   * @param workHome where attempts train and keep their outboxes ({@code <workHome>/<trial>-<n>})
   */
  public record Settings(
      String name, String host, int slots, List<String> capabilities, Path workHome) {}

  private final WorkerClient client;
  private final TrialRunner runner;
  private final CommandRunner commands;
  private final DatasetCache datasets;
  private final Settings settings;
  private final ExperimentFiles files = new ExperimentFiles();
  private final Map<Long, RemoteEventSink> running = new ConcurrentHashMap<>();
  private volatile WorkerTerms terms;

  /**
   * @param commands runs command trials; null for a worker that does not (one started without
   *     {@code --allow-commands}, which then never registers the {@code command} capability)
   * @param datasets where registered datasets are kept once fetched
   */
  public RemoteWorker(
      WorkerClient client,
      TrialRunner runner,
      CommandRunner commands,
      DatasetCache datasets,
      Settings settings) {
    this.client = client;
    this.runner = runner;
    this.commands = commands;
    this.datasets = datasets;
    this.settings = settings;
    if (commands == null && settings.capabilities().contains(WorkerProtocol.COMMAND_CAPABILITY)) {
      throw new IllegalArgumentException(
          "a worker with the command capability needs a CommandRunner");
    }
  }

  /** A worker that keeps registered datasets in {@code <workHome>/datasets}. */
  public RemoteWorker(
      WorkerClient client, TrialRunner runner, CommandRunner commands, Settings settings) {
    this(
        client,
        runner,
        commands,
        new DatasetCache(settings.workHome().resolve("datasets")),
        settings);
  }

  public RemoteWorker(WorkerClient client, TrialRunner runner, Settings settings) {
    this(client, runner, null, settings);
  }

  /** Registers (retrying until the server answers), then runs the slots until interrupted. */
  public void run() throws InterruptedException {
    terms = retry("cannot register with " + client.server(), () -> client.register(registration()));
    log.info(
        "worker {} registered with {} ({} slot(s), {}): lease {} ms, heartbeat {} ms",
        settings.name(),
        client.server(),
        settings.slots(),
        settings.capabilities(),
        terms.leaseMillis(),
        terms.heartbeatMillis());
    List<Thread> slots = new ArrayList<>();
    for (int slot = 1; slot <= settings.slots(); slot++) {
      int number = slot;
      // A platform thread: libtorch's OpenMP keeps a thread team per calling OS thread.
      slots.add(Thread.ofPlatform().name("slot-" + number).start(() -> slotLoop(number)));
    }
    try {
      for (Thread slot : slots) {
        slot.join();
      }
    } finally {
      slots.forEach(Thread::interrupt);
      for (Thread slot : slots) {
        slot.join(Duration.ofSeconds(10));
      }
    }
  }

  private WorkerRegistration registration() {
    return new WorkerRegistration(
        settings.name(), settings.host(), settings.slots(), settings.capabilities());
  }

  private void slotLoop(int slot) {
    Duration backoff = Duration.ofMillis(200);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Optional<LeaseGrant> grant =
            client.lease(settings.name(), Duration.ofMillis(terms.pollMillis()));
        backoff = Duration.ofMillis(200);
        if (grant.isPresent()) {
          runAttempt(grant.get());
        }
      } catch (WorkerClient.ServerUnavailableException e) {
        log.debug("slot {}: server unavailable: {}", slot, e.getMessage());
        if (!sleep(backoff)) {
          return;
        }
        backoff = min(backoff.multipliedBy(2), RETRY_MAX);
      } catch (WorkerClient.RejectedException e) {
        if (e.getMessage().contains(" 404")) {
          // The server forgot us (a fresh database): register again.
          try {
            client.register(registration());
          } catch (RuntimeException again) {
            log.debug("registering again failed", again);
          }
        } else {
          log.error("slot {}: the server refused a lease request: {}", slot, e.getMessage());
        }
        if (!sleep(RETRY_MAX)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } catch (WorkerClient.UnreadableAnswerException e) {
        // The lease (if one was granted) expires back to the queue; the message says what to fix.
        log.error("slot {}: {}", slot, e.getMessage());
        if (!sleep(RETRY_MAX)) {
          return;
        }
      } catch (RuntimeException e) {
        log.error("slot {} failed; it carries on after a pause", slot, e);
        if (!sleep(RETRY_MAX)) {
          return;
        }
      }
    }
  }

  private void runAttempt(LeaseGrant grant) throws InterruptedException {
    long trialId = grant.trialId();
    Path attemptHome = settings.workHome().resolve(trialId + "-" + grant.attempt());
    Path workDir = attemptHome.resolve("work");
    CancellationToken cancellation = new CancellationToken();
    log.info(
        "trial {} attempt {}{}",
        trialId,
        grant.attempt(),
        grant.resumeEpoch() == null ? "" : ", resuming after epoch " + grant.resumeEpoch());
    try (Outbox outbox =
        new Outbox(
            client,
            trialId,
            grant.attempt(),
            grant.leaseToken(),
            attemptHome.resolve("outbox"),
            cancellation::cancel,
            cancellation::cancel)) {
      RemoteEventSink sink =
          new RemoteEventSink(outbox, workDir, grant.prunable(), client.eventsTimeout());
      running.put(trialId, sink);
      Thread heartbeat =
          Thread.ofVirtual()
              .name("heartbeat-" + trialId)
              .start(() -> heartbeatLoop(grant, cancellation, outbox));
      Completion completion;
      try {
        completion = train(grant, workDir, sink, cancellation);
      } finally {
        sink.stopped();
      }
      try {
        if (outbox.leaseLost()) {
          log.warn("trial {} attempt {}: lease lost; dropped", trialId, grant.attempt());
          return;
        }
        outbox.complete(completion);
        if (outbox.awaitDelivered()) {
          log.info("trial {} attempt {} {}", trialId, grant.attempt(), completion.status());
        } else {
          log.warn("trial {} attempt {}: lease lost; dropped", trialId, grant.attempt());
        }
      } finally {
        heartbeat.interrupt();
        heartbeat.join();
        running.remove(trialId);
      }
    } finally {
      deleteTree(attemptHome);
    }
  }

  private Completion train(
      LeaseGrant grant, Path workDir, RemoteEventSink sink, CancellationToken cancellation)
      throws InterruptedException {
    try {
      Files.createDirectories(workDir);
      Path resume = null;
      if (grant.resumeEpoch() != null) {
        resume = workDir.resolveSibling("resume.ckpt");
        Path target = resume;
        retry(
            "download the checkpoint of trial " + grant.trialId(),
            () -> {
              client.checkpoint(grant.trialId(), grant.leaseToken(), target);
              return target;
            });
      }
      RunOutcome outcome;
      if (grant.command() != null) {
        outcome = runCommand(grant, workDir, resume, sink, cancellation);
      } else {
        TrainingConfig config = files.readConfig(grant.config());
        Path datasetDir = grant.dataset() == null ? null : fetchDataset(grant);
        TrialRun run =
            new TrialRun(
                grant.trialId(),
                grant.attempt(),
                config,
                workDir,
                resume,
                grant.firstSeq(),
                datasetDir);
        outcome = runner.run(run, sink, cancellation);
      }
      Double trainSeconds = sink.metrics().get("train_seconds");
      return new Completion(
          grant.leaseToken(),
          outcome.status().wireName(),
          outcome.status() == RunStatus.FAILED ? outcome.failure() : null,
          outcome.status() == RunStatus.FAILED ? sink.lastError() : null,
          false,
          trainSeconds != null
              ? trainSeconds
              : outcome.result() == null ? null : outcome.result().trainSeconds(),
          sink.metrics());
    } catch (IOException | RuntimeException e) {
      if (e instanceof WorkerClient.LeaseLostException) {
        cancellation.cancel();
      }
      // The worker's own trouble (disk, network, a checkpoint that would not download), not the
      // config's: another attempt, perhaps on another worker, may well succeed.
      log.warn("trial {} attempt {} could not run here", grant.trialId(), grant.attempt(), e);
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      return new Completion(
          grant.leaseToken(),
          Completion.FAILED,
          "worker " + settings.name() + ": " + e.getMessage(),
          trace.toString(),
          true,
          null,
          sink.metrics());
    }
  }

  /** The folder of the lease's registered dataset, fetched by digest unless kept already. */
  private Path fetchDataset(LeaseGrant grant) throws IOException, InterruptedException {
    return datasets.get(
        grant.dataset(),
        (sha256, file, target) ->
            retry(
                "download " + file + " of dataset " + grant.dataset().name(),
                () -> {
                  client.datasetFile(sha256, file, grant.leaseToken(), target);
                  return target;
                }));
  }

  private RunOutcome runCommand(
      LeaseGrant grant,
      Path workDir,
      Path resume,
      RemoteEventSink sink,
      CancellationToken cancellation)
      throws InterruptedException {
    if (commands == null) {
      throw new IllegalStateException(
          "this worker runs no commands (start it with --allow-commands), but was given one");
    }
    CommandRun run =
        new CommandRun(
            grant.trialId(),
            grant.attempt(),
            grant.command(),
            workDir,
            resume,
            grant.resumeEpoch() == null ? 0 : grant.resumeEpoch(),
            grant.firstSeq());
    return commands.run(
        run,
        (sha256, target) ->
            retry(
                "download the code of trial " + grant.trialId(),
                () -> {
                  client.code(sha256, grant.leaseToken(), target);
                  return target;
                }),
        sink,
        cancellation);
  }

  private void heartbeatLoop(LeaseGrant grant, CancellationToken cancellation, Outbox outbox) {
    Duration every = Duration.ofMillis(terms.heartbeatMillis());
    boolean reachable = true;
    while (!Thread.currentThread().isInterrupted()) {
      if (!sleep(every)) {
        return;
      }
      try {
        HeartbeatAnswer answer =
            client.heartbeat(
                grant.trialId(),
                new LeaseHeartbeat(grant.leaseToken(), settings.name(), totalImagesPerSecond()));
        reachable = true;
        if (answer.cancelRequested()) {
          cancellation.cancel();
        }
      } catch (WorkerClient.LeaseLostException e) {
        log.warn("trial {}: heartbeat says the lease is lost; stopping", grant.trialId());
        cancellation.cancel();
        return;
      } catch (RuntimeException e) {
        if (reachable) {
          log.warn("trial {}: heartbeat failed ({}); training on", grant.trialId(), e.getMessage());
        }
        reachable = false;
      }
    }
  }

  private double totalImagesPerSecond() {
    return running.values().stream().mapToDouble(RemoteEventSink::imagesPerSecond).sum();
  }

  private interface Call<T> {
    T call();
  }

  /**
   * Calls until the server answers; a refusal or a lost lease is thrown. The first failure, then
   * one a minute, is a warning: at debug level only, a worker given a wrong address printed nothing
   * after its start line, for ever.
   */
  private static <T> T retry(String what, Call<T> call) throws InterruptedException {
    Duration backoff = Duration.ofMillis(200);
    long warned = 0;
    boolean first = true;
    while (true) {
      try {
        return call.call();
      } catch (WorkerClient.ServerUnavailableException e) {
        if (first || System.nanoTime() - warned > RETRY_WARNING.toNanos()) {
          log.warn(
              "{}: {}; trying again (every {} s at most) until it answers",
              what,
              e.getMessage(),
              RETRY_MAX.toSeconds());
          warned = System.nanoTime();
          first = false;
        } else {
          log.debug("{}: {}; trying again in {}", what, e.getMessage(), backoff);
        }
        Thread.sleep(backoff);
        backoff = min(backoff.multipliedBy(2), RETRY_MAX);
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static boolean sleep(Duration duration) {
    try {
      Thread.sleep(duration);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      log.debug("could not delete {}", dir, e);
    }
  }
}
