package dev.digitlab.server.experiments;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventBatchReader;
import dev.digitlab.server.events.EventSettings;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.EventStreams;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.security.Caller;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialOwnership;
import dev.digitlab.server.trials.TrialStore;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.StringJoiner;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Trials' event streams over HTTP: Server-Sent Events for a trial or a whole experiment, and batch
 * ingestion for remote workers.
 */
@RestController
@RequestMapping("/api/v1")
class EventController {

  private final EventStore events;
  private final EventStreams streams;
  private final EventSettings settings;
  private final TrialStore trials;
  private final ExperimentStore experiments;
  private final TrialOwnership ownership;
  private final TokenStore tokens;

  EventController(
      EventStore events,
      EventStreams streams,
      EventSettings settings,
      TrialStore trials,
      ExperimentStore experiments,
      TrialOwnership ownership,
      TokenStore tokens) {
    this.events = events;
    this.streams = streams;
    this.settings = settings;
    this.trials = trials;
    this.experiments = experiments;
    this.ownership = ownership;
    this.tokens = tokens;
  }

  /**
   * The trial's events as Server-Sent Events: those after {@code Last-Event-ID} (or the query
   * parameter {@code lastEventId}, or {@code after}, or from the start), then live ones; the stream
   * completes once the trial has stopped and all its events are sent.
   */
  @GetMapping(path = "/trials/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter trialEvents(
      @PathVariable long id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(name = "lastEventId", required = false) String lastEventIdParameter,
      @RequestParam(required = false) String after,
      HttpServletRequest request) {
    trials.get(id);
    return streams.open(
        "trial-" + id,
        streamHolder(request),
        tokens.stillActive(request),
        new EventStreams.Source() {
          @Override
          public List<TrialEvent> after(long afterId, int limit) {
            return events.after(id, afterId, limit);
          }

          @Override
          public boolean finished() {
            return trials.find(id).map(trial -> trial.status().isTerminal()).orElse(true);
          }
        },
        startAfter(lastEventId, lastEventIdParameter, after));
  }

  /**
   * A page of the trial's stored events as JSON, {@code {"items": [...], "next": id}}: those after
   * {@code after}, optionally of one {@code type}; ask again with {@code after=next} until a page
   * is shorter than {@code limit}.
   */
  @GetMapping(path = "/trials/{id}/events", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> trialEventPage(
      @PathVariable long id,
      @RequestParam(defaultValue = "0") long after,
      @RequestParam(defaultValue = "1000") int limit,
      @RequestParam(required = false) String type) {
    if (limit < 1 || limit > EventStore.MAX_PAGE) {
      throw new InvalidParameterException(
          "limit", "must be between 1 and " + EventStore.MAX_PAGE + ", got " + limit);
    }
    if (after < 0) {
      throw new InvalidParameterException("after", "must be an event id (0 or more)");
    }
    trials.get(id);
    List<TrialEvent> page =
        type == null
            ? events.after(id, after, limit)
            : events.ofType(id, eventType(type), after, limit);
    // The stored payloads are JSON already: written out as they are, not parsed again.
    StringJoiner items = new StringJoiner(",", "{\"items\":[", "]");
    page.forEach(event -> items.add(EventStreams.json(event)));
    long next = page.isEmpty() ? after : page.getLast().id();
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .body(items + ",\"next\":" + next + "}");
  }

  private static EventType eventType(String type) {
    for (EventType candidate : EventType.values()) {
      if (candidate.wireName().equals(type)) {
        return candidate;
      }
    }
    throw new InvalidParameterException(
        "type", "must be metric, log, progress, status or artifact, got '" + type + "'");
  }

  /**
   * The events of all the experiment's trials, in the order they were stored; completes once every
   * trial has stopped.
   */
  @GetMapping(path = "/experiments/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter experimentEvents(
      @PathVariable long id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(name = "lastEventId", required = false) String lastEventIdParameter,
      @RequestParam(required = false) String after,
      HttpServletRequest request) {
    if (experiments.find(id).isEmpty()) {
      throw new NotFoundException("experiment", id);
    }
    return streams.open(
        "experiment-" + id,
        streamHolder(request),
        tokens.stillActive(request),
        new EventStreams.Source() {
          @Override
          public List<TrialEvent> after(long afterId, int limit) {
            return events.afterInExperiment(id, afterId, limit);
          }

          @Override
          public boolean finished() {
            if (experiments.find(id).isEmpty()) {
              return true;
            }
            TrialCounts counts = experiments.countTrials(id);
            return counts.queued() + counts.running() == 0;
          }
        },
        startAfter(lastEventId, lastEventIdParameter, after));
  }

  /**
   * Stores a batch of one attempt's events, {@code {"attempt": n, "events": [TrialEvent, …]}}; an
   * event already stored (same trial, attempt and seq) is counted as a duplicate, not stored again.
   * Writing into a trial changes it: only the experiment's owner or an admin may (workers report
   * through the worker protocol's leases instead).
   */
  // produces: a client that cannot take JSON gets its 406 before the events are stored.
  @PostMapping(
      path = "/trials/{id}/events",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  IngestionResult ingest(@PathVariable long id, InputStream body, HttpServletRequest request)
      throws IOException {
    Trial trial = trials.get(id);
    ownership.checkMayChange(trial, request);
    EventBatchReader.Batch batch =
        EventBatchReader.read(body.readAllBytes(), settings.maxBatch(), false);
    int stored = events.append(trial.id(), batch.attempt(), batch.events());
    return new IngestionResult(stored, batch.events().size() - stored);
  }

  /** What an ingestion stored. */
  record IngestionResult(int stored, int duplicates) {}

  /**
   * Where a stream starts: after the {@code Last-Event-ID} header a reconnecting EventSource sends,
   * else after the {@code lastEventId} query parameter, which EventSource polyfills (and some
   * proxies' reconnect logic) send instead of the header, else after {@code after}.
   */
  private static long startAfter(String header, String lastEventId, String after) {
    String name;
    String value;
    if (header != null && !header.isBlank()) {
      name = "Last-Event-ID";
      value = header;
    } else if (lastEventId != null && !lastEventId.isBlank()) {
      name = "lastEventId";
      value = lastEventId;
    } else {
      name = "after";
      value = after;
    }
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      long id = Long.parseLong(value.trim());
      if (id < 0) {
        throw new InvalidParameterException(name, "must be an event id (0 or more), got " + id);
      }
      return id;
    } catch (NumberFormatException e) {
      throw new InvalidParameterException(name, "must be an event id, got '" + value + "'");
    }
  }

  /**
   * Who a stream counts against for {@code digitlab.events.max-streams-per-caller}: a token's name,
   * or without a token ({@link Ownership#LOCAL}) the client's address. Counting every request
   * without a token as one caller let a single browser tab script, or 32 open pages in an office,
   * take every stream of an open server for all its other viewers.
   */
  static String streamHolder(HttpServletRequest request) {
    return Caller.of(request)
        .map(Caller::name)
        .orElseGet(() -> Ownership.LOCAL + "@" + request.getRemoteAddr());
  }
}
