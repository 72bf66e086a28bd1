package dev.digitlab.server.trials;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.queue.ImportedTrials;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialStatus;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** {@code /api/v1/trials}: one trial, its metric curves and log, and stopping or retrying it. */
@RestController
@RequestMapping("/api/v1/trials")
class TrialController {

  static final int DEFAULT_LOG_PAGE = 200;
  static final int MAX_LOG_PAGE = 1000;

  private static final ObjectMapper JSON = Json.mapper();

  private final TrialStore trials;
  private final TrialMoves moves;
  private final EventStore events;
  private final MetricHistory metrics;

  private final QueueSignal queueSignal;
  private final TrialOwnership ownership;
  private final WaitingReasons waiting;
  private final TrialCancels cancels;

  TrialController(
      TrialStore trials,
      TrialMoves moves,
      EventStore events,
      MetricHistory metrics,
      QueueSignal queueSignal,
      TrialOwnership ownership,
      WaitingReasons waiting,
      TrialCancels cancels) {
    this.waiting = waiting;
    this.cancels = cancels;
    this.trials = trials;
    this.moves = moves;
    this.events = events;
    this.metrics = metrics;
    this.queueSignal = queueSignal;
    this.ownership = ownership;
  }

  @GetMapping("/{id}")
  TrialView get(@PathVariable long id) {
    Trial trial = trials.get(id);
    return TrialView.detail(trial, waiting.waitingFor(trial));
  }

  /**
   * The trial's metric curves, {@code {key: [{step, epoch, value}]}} ordered by step: the keys
   * asked for (comma-separated; every key by default), steps {@code fromStep..toStep} inclusive,
   * and with {@code points} at most that many points per key (min and max of each bucket kept).
   */
  @GetMapping("/{id}/metrics")
  Map<String, List<MetricSample>> metrics(
      @PathVariable long id,
      @RequestParam(required = false) String keys,
      @RequestParam(required = false) Long fromStep,
      @RequestParam(required = false) Long toStep,
      @RequestParam(required = false) Integer points) {
    trials.get(id);
    if (fromStep != null && toStep != null && fromStep > toStep) {
      throw new InvalidParameterException(
          "fromStep", "must not be greater than toStep (" + fromStep + " > " + toStep + ")");
    }
    MetricHistory.checkPoints(points);
    return metrics.of(id, MetricHistory.keys(keys), fromStep, toStep, points);
  }

  /**
   * The trial's log lines with a seq greater than {@code afterSeq}, oldest first; pass the answer's
   * {@code nextAfterSeq} to read the next page.
   */
  @GetMapping("/{id}/logs")
  LogPage logs(
      @PathVariable long id,
      @RequestParam(defaultValue = "0") long afterSeq,
      @RequestParam(defaultValue = "" + DEFAULT_LOG_PAGE) int limit) {
    trials.get(id);
    if (limit < 1 || limit > MAX_LOG_PAGE) {
      throw new InvalidParameterException(
          "limit", "must be between 1 and " + MAX_LOG_PAGE + ", got " + limit);
    }
    List<LogEntry> entries =
        events.ofTypeAfterSeq(id, EventType.LOG, afterSeq, limit).stream()
            .map(TrialController::logEntry)
            .toList();
    return new LogPage(entries, entries.isEmpty() ? afterSeq : entries.getLast().seq());
  }

  /**
   * Cancels the trial: a queued one is cancelled at once ({@code 200}); a running one is asked to
   * stop ({@code 202}) and ends {@code cancelled} within about a second, when its worker next looks
   * at the request. Cancelling a cancelled trial again changes nothing; a succeeded, failed or
   * pruned one is {@code 409}. Only the experiment's owner or an admin may.
   */
  // produces: a client that cannot take JSON gets its 406 before the trial changes, not after.
  @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<TrialView> cancel(@PathVariable long id, HttpServletRequest request) {
    ownership.checkMayChange(trials.get(id), request);
    boolean stopping = cancels.cancel(id) == TrialCancels.Outcome.STOPPING;
    return ResponseEntity.status(stopping ? HttpStatus.ACCEPTED : HttpStatus.OK)
        .body(TrialView.detail(trials.get(id)));
  }

  /**
   * Puts a failed or cancelled trial back in the queue; a worker runs it as its next attempt,
   * resuming from the latest checkpoint; a cancelled experiment is reopened for it. Any other trial
   * is {@code 409}. Only the experiment's owner or an admin may.
   */
  @PostMapping(path = "/{id}/retry", produces = MediaType.APPLICATION_JSON_VALUE)
  TrialView retry(@PathVariable long id, HttpServletRequest request) {
    Trial trial = trials.get(id);
    ownership.checkMayChange(trial, request);
    if (ImportedTrials.KIND.equals(trial.kind())) {
      // No worker claims an imported trial (the claim takes builtin trials only): queued, it
      // would wait for ever.
      throw new ConflictException(
          "Trial "
              + id
              + " was imported from another server and does not run here; clone its experiment"
              + " to run it again.");
    }
    if (ExternalTrials.KIND.equals(trial.kind())) {
      // A run logged through the MLflow API runs wherever its script runs; no worker claims it, so
      // back in the queue it would wait for ever (and its experiment with it).
      throw new ConflictException(
          "Trial "
              + id
              + " is a run logged through the MLflow API: run its script again to start a new"
              + " run.");
    }
    if (trial.status() != TrialStatus.FAILED && trial.status() != TrialStatus.CANCELLED) {
      throw new ConflictException(
          "Only a failed or cancelled trial can be retried; trial "
              + id
              + " is "
              + trial.status().dbValue()
              + ".");
    }
    moves.retry(id, trial.status());
    TrialView retried = TrialView.detail(trials.get(id));
    queueSignal.trialsQueued();
    return retried;
  }

  private static LogEntry logEntry(TrialEvent event) {
    JsonNode line;
    try {
      line = JSON.readTree(event.payload());
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored log event is not JSON: " + event.payload(), e);
    }
    return new LogEntry(
        event.seq(),
        event.attempt(),
        event.createdAt(),
        line.path("level").asString(),
        line.path("message").asString());
  }

  /** One log line of a trial. {@code time} is when the server stored it. */
  record LogEntry(long seq, int attempt, Instant time, String level, String message) {}

  /** A page of log lines; {@code nextAfterSeq} is the {@code afterSeq} of the next page. */
  record LogPage(List<LogEntry> items, long nextAfterSeq) {}
}
