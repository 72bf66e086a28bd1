package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.HeartbeatAnswer;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.LeaseRequest;
import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.protocol.worker.WorkerTerms;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventBatchReader;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.Heartbeat;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.search.TrialPruning;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The remote worker protocol under {@code /api/v1/worker}: register; long-poll for a lease (200
 * with work, 204 after the poll time); then, fenced by the lease token, heartbeats, event batches,
 * artifact uploads and the completion. A lost lease answers 409 and the worker drops the attempt.
 * Also {@code GET /api/v1/workers}, the workers as people see them.
 */
@RestController
class WorkerController {

  private static final ObjectMapper JSON = Json.mapper();
  private static final Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}");

  private final WorkerSettings settings;
  private final WorkerRegistry workers;
  private final TrialQueue queue;
  private final QueueSignal queueSignal;
  private final TrialStore trials;
  private final ExperimentStore experiments;
  private final EventStore events;
  private final ArtifactUploads uploads;
  private final Checkpoints checkpoints;
  private final TrialPruning pruning;
  private final int maxBatch;

  WorkerController(
      WorkerSettings settings,
      WorkerRegistry workers,
      TrialQueue queue,
      QueueSignal queueSignal,
      TrialStore trials,
      ExperimentStore experiments,
      EventStore events,
      ArtifactUploads uploads,
      Checkpoints checkpoints,
      TrialPruning pruning,
      @Value("${digitlab.events.max-batch:5000}") int maxBatch) {
    this.settings = settings;
    this.workers = workers;
    this.queue = queue;
    this.queueSignal = queueSignal;
    this.trials = trials;
    this.experiments = experiments;
    this.events = events;
    this.uploads = uploads;
    this.checkpoints = checkpoints;
    this.pruning = pruning;
    this.maxBatch = maxBatch;
  }

  @GetMapping("/api/v1/workers")
  List<WorkerInfo> list() {
    return workers.list(settings.silenceBeforeLost());
  }

  @PostMapping(path = WorkerProtocol.BASE + "/register")
  WorkerTerms register(InputStream body) throws IOException {
    WorkerRegistration registration = read(body, WorkerRegistration.class);
    if (!WORKER_NAME.matcher(registration.name()).matches()) {
      throw new InvalidParameterException(
          "name", "must be 1–200 letters, digits or . _ @ : - (no spaces)");
    }
    if (registration.slots() < 1) {
      throw new InvalidParameterException("slots", "must be at least 1");
    }
    if (!TrialQueue.CAPABILITIES.containsAll(registration.capabilities())) {
      throw new InvalidParameterException(
          "capabilities", "must be cpu and/or gpu, got " + registration.capabilities());
    }
    workers.register(registration);
    return new WorkerTerms(
        registration.name(),
        settings.lease().toMillis(),
        settings.remoteHeartbeat().toMillis(),
        settings.longPoll().toMillis());
  }

  /**
   * Waits up to the long-poll time for a trial this worker can run. Trials queued in this process
   * wake the request at once; those queued by another server (or whose retry backoff ends) are
   * found by a claim every poll interval.
   */
  @PostMapping(path = WorkerProtocol.BASE + "/lease")
  ResponseEntity<LeaseGrant> lease(InputStream body) throws IOException, InterruptedException {
    String worker = read(body, LeaseRequest.class).worker();
    Set<String> capabilities = workers.seen(worker);
    long deadline = System.nanoTime() + settings.longPoll().toNanos();
    Duration recheck = settings.pollInterval().multipliedBy(4);
    while (true) {
      long seen = queueSignal.generation();
      Optional<Lease> lease = queue.claim(worker, capabilities, settings.lease());
      if (lease.isPresent()) {
        return ResponseEntity.ok(grant(lease.get()));
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        workers.seen(worker);
        return ResponseEntity.noContent().build();
      }
      queueSignal.awaitAfter(seen, min(recheck, Duration.ofNanos(remaining)));
    }
  }

  @PostMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/heartbeat")
  HeartbeatAnswer heartbeat(@PathVariable long trialId, InputStream body) throws IOException {
    LeaseHeartbeat beat = read(body, LeaseHeartbeat.class);
    workers.heartbeat(beat.worker(), beat.imagesPerSecond());
    Heartbeat answer = queue.heartbeat(trialId, beat.leaseToken(), settings.lease());
    return new HeartbeatAnswer(answer.expiresAt().toEpochMilli(), answer.cancelRequested());
  }

  /** What an ingestion stored. */
  record IngestionResult(int stored, int duplicates) {}

  @PostMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/events")
  IngestionResult events(@PathVariable long trialId, InputStream body) throws IOException {
    EventBatchReader.Batch batch = EventBatchReader.read(body.readAllBytes(), maxBatch, true);
    Map<String, Double> metrics = new LinkedHashMap<>();
    Double progress = null;
    for (EventPayload payload : batch.payloads()) {
      switch (payload) {
        case MetricPoint metric -> metrics.put(metric.key(), metric.value());
        case Progress p -> progress = p.fraction();
        default -> {}
      }
    }
    int stored = events.appendFenced(trialId, batch.attempt(), batch.leaseToken(), batch.events());
    if (stored > 0) {
      // The worker learns of a prune from its next heartbeat, as of a cancel.
      pruning.reported(trialId, metrics.keySet());
    }
    if (stored > 0 && (progress != null || !metrics.isEmpty())) {
      Trial trial = trials.get(trialId);
      trials.updateProgress(
          trialId,
          batch.attempt(),
          progress == null ? trial.progress() : progress,
          mergedMetrics(trial.lastMetrics(), metrics),
          null);
    }
    return new IngestionResult(stored, batch.events().size() - stored);
  }

  /**
   * Stores an artifact file of the leased attempt. {@code seq} names the artifact event that
   * describes it (already delivered): the upload must match its size and SHA-256. A checkpoint
   * becomes the trial's resume point.
   */
  @PutMapping(
      path = WorkerProtocol.BASE + "/leases/{trialId}/artifacts/{name}",
      consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
  ResponseEntity<Void> upload(
      @PathVariable long trialId,
      @PathVariable String name,
      @RequestParam long seq,
      @RequestHeader(WorkerProtocol.LEASE_TOKEN_HEADER) UUID leaseToken,
      InputStream body)
      throws IOException {
    Lease lease = queue.holder(trialId, leaseToken);
    uploads.store(lease, name, seq, body);
    return ResponseEntity.noContent().build();
  }

  /** The checkpoint the leased attempt resumes from. */
  @GetMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/checkpoint")
  ResponseEntity<Resource> checkpoint(
      @PathVariable long trialId,
      @RequestHeader(WorkerProtocol.LEASE_TOKEN_HEADER) UUID leaseToken) {
    Lease lease = queue.holder(trialId, leaseToken);
    if (lease.resumeFrom() == null) {
      throw new NotFoundException("Trial " + trialId + " has no checkpoint to resume from");
    }
    Path file = checkpoints.file(trialId, lease.resumeFrom());
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new FileSystemResource(file));
  }

  @PostMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/complete")
  ResponseEntity<Void> complete(@PathVariable long trialId, InputStream body) throws IOException {
    Completion completion = read(body, Completion.class);
    queue.complete(trialId, completion.leaseToken(), outcome(trialId, completion));
    queueSignal.trialsQueued();
    return ResponseEntity.noContent().build();
  }

  private LeaseGrant grant(Lease lease) {
    Trial trial = trials.get(lease.trialId());
    String objective =
        experiments.find(trial.experimentId()).map(e -> e.objective().metric()).orElse("");
    return new LeaseGrant(
        lease.trialId(),
        trial.experimentId(),
        lease.attempt(),
        lease.leaseToken(),
        settings.lease().toMillis(),
        lease.config(),
        objective,
        lease.firstSeq(),
        lease.resumeFrom() == null ? null : lease.resumeFrom().epoch());
  }

  private TrialOutcome outcome(long trialId, Completion completion) {
    Map<String, Double> metrics = completion.metrics();
    return switch (completion.status()) {
      case Completion.SUCCEEDED -> {
        Trial trial = trials.get(trialId);
        String objective =
            experiments.find(trial.experimentId()).map(e -> e.objective().metric()).orElse("");
        yield new TrialOutcome.Succeeded(
            metrics.getOrDefault("test_accuracy", 0.0),
            metrics.getOrDefault("test_f1_macro", 0.0),
            metrics.get(objective),
            completion.trainSeconds() == null ? 0 : completion.trainSeconds(),
            mergedMetrics(trial.lastMetrics(), metrics));
      }
      case Completion.FAILED ->
          new TrialOutcome.Failed(
              completion.failure() == null || completion.failure().isBlank()
                  ? "training failed"
                  : clip(completion.failure()),
              completion.stackTrace(),
              completion.trainSeconds(),
              completion.retryable());
      case Completion.CANCELLED -> new TrialOutcome.Cancelled(completion.trainSeconds());
      default ->
          throw new InvalidParameterException(
              "status",
              "must be succeeded, failed or cancelled, got '" + completion.status() + "'");
    };
  }

  private static String mergedMetrics(String stored, Map<String, Double> latest) {
    Map<String, Object> merged = new LinkedHashMap<>();
    if (stored != null && !stored.isBlank()) {
      try {
        JsonNode node = JSON.readTree(stored);
        node.properties().forEach(entry -> merged.put(entry.getKey(), entry.getValue()));
      } catch (JacksonException e) {
        // a damaged summary is replaced by the latest values rather than failing the batch
      }
    }
    merged.putAll(latest);
    try {
      return JSON.writeValueAsString(merged);
    } catch (JacksonException e) {
      throw new IllegalStateException("metrics are numbers", e);
    }
  }

  private static String clip(String text) {
    return text.length() <= 2000 ? text : text.substring(0, 1990) + " … (cut)";
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static <T> T read(InputStream body, Class<T> type) throws IOException {
    try {
      // The protocol is strict: a field this server does not know is a mistake, not ignored.
      T value =
          JSON.readerFor(type)
              .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .<T>readValue(body);
      if (value == null) {
        throw new InvalidParameterException("body", "must be a JSON object");
      }
      return value;
    } catch (JacksonException e) {
      throw new InvalidParameterException(
          "body", "not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage());
    }
  }
}
