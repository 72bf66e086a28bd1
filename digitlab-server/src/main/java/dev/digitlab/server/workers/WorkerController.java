package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.EventsAnswer;
import dev.digitlab.protocol.worker.HeartbeatAnswer;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.LeaseRequest;
import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.protocol.worker.WorkerTerms;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.events.EventBatchReader;
import dev.digitlab.server.events.EventSettings;
import dev.digitlab.server.queue.Heartbeat;
import dev.digitlab.server.queue.TrialQueue;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
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
  private final AttemptReports attempts;
  private final ArtifactUploads uploads;
  private final EventSettings events;
  private final WorkerIdentity identity;

  WorkerController(
      WorkerSettings settings,
      WorkerRegistry workers,
      AttemptReports attempts,
      ArtifactUploads uploads,
      EventSettings events,
      WorkerIdentity identity) {
    this.settings = settings;
    this.workers = workers;
    this.attempts = attempts;
    this.uploads = uploads;
    this.events = events;
    this.identity = identity;
  }

  @GetMapping("/api/v1/workers")
  List<WorkerInfo> list() {
    return workers.list(settings.silenceBeforeLost());
  }

  @PostMapping(path = WorkerProtocol.BASE + "/register")
  WorkerTerms register(InputStream body, HttpServletRequest request) throws IOException {
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
          "capabilities", "must be cpu, gpu and/or command, got " + registration.capabilities());
    }
    identity.checkMayRegister(request, registration.name());
    workers.register(registration);
    identity.bind(request, registration.name());
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
  ResponseEntity<LeaseGrant> lease(InputStream body, HttpServletRequest request)
      throws IOException, InterruptedException {
    String worker = read(body, LeaseRequest.class).worker();
    identity.checkActsAs(request, worker);
    Set<String> capabilities = workers.seen(worker);
    Optional<LeaseGrant> grant =
        attempts.claim(
            worker,
            capabilities,
            settings.lease(),
            settings.longPoll(),
            settings.pollInterval().multipliedBy(4),
            false,
            org.springframework.web.servlet.support.ServletUriComponentsBuilder.fromContextPath(
                    request)
                .toUriString());
    if (grant.isEmpty()) {
      workers.seen(worker);
      return ResponseEntity.noContent().build();
    }
    return ResponseEntity.ok(grant.get());
  }

  @PostMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/heartbeat")
  HeartbeatAnswer heartbeat(
      @PathVariable long trialId, InputStream body, HttpServletRequest request) throws IOException {
    LeaseHeartbeat beat = read(body, LeaseHeartbeat.class);
    identity.checkActsAs(request, beat.worker());
    identity.checkHoldsLease(request, trialId);
    workers.heartbeat(beat.worker(), beat.imagesPerSecond());
    Heartbeat answer = attempts.heartbeat(trialId, beat.leaseToken(), settings.lease());
    return new HeartbeatAnswer(answer.expiresAt().toEpochMilli(), answer.cancelRequested());
  }

  /**
   * What an ingestion stored, and {@code stop}: the trial was pruned on these metrics (or a stop
   * was already asked for), so the worker stops the attempt before training on.
   */
  record IngestionResult(int stored, int duplicates, boolean stop) {}

  @PostMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/events")
  EventsAnswer events(@PathVariable long trialId, InputStream body, HttpServletRequest request)
      throws IOException {
    identity.checkHoldsLease(request, trialId);
    EventBatchReader.Batch batch =
        EventBatchReader.read(body.readAllBytes(), events.maxBatch(), true);
    AttemptReports.StoredBatch stored = attempts.events(trialId, batch);
    return new EventsAnswer(
        stored.stored(), batch.events().size() - stored.stored(), stored.stop());
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
      InputStream body,
      HttpServletRequest request)
      throws IOException {
    identity.checkHoldsLease(request, trialId);
    uploads.store(attempts.holder(trialId, leaseToken), name, seq, body);
    return ResponseEntity.noContent().build();
  }

  /** The checkpoint the leased attempt resumes from. */
  @GetMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/checkpoint")
  ResponseEntity<Resource> checkpoint(
      @PathVariable long trialId,
      @RequestHeader(WorkerProtocol.LEASE_TOKEN_HEADER) UUID leaseToken) {
    Path file = uploads.resumeCheckpoint(attempts.holder(trialId, leaseToken));
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new FileSystemResource(file));
  }

  @PostMapping(path = WorkerProtocol.BASE + "/leases/{trialId}/complete")
  ResponseEntity<Void> complete(
      @PathVariable long trialId, InputStream body, HttpServletRequest request) throws IOException {
    identity.checkHoldsLease(request, trialId);
    attempts.complete(trialId, read(body, Completion.class));
    return ResponseEntity.noContent().build();
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
