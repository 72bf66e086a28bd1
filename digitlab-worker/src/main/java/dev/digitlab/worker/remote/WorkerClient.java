package dev.digitlab.worker.remote;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.EventBatch;
import dev.digitlab.protocol.worker.EventsAnswer;
import dev.digitlab.protocol.worker.HeartbeatAnswer;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.LeaseRequest;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.protocol.worker.WorkerTerms;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;

/**
 * The worker protocol over {@code java.net.http}. Every failure is one of three kinds, because the
 * worker reacts to each differently: {@link LeaseLostException} (409: drop the attempt), {@link
 * ServerUnavailableException} (no answer, or 5xx: keep working and try again later) and {@link
 * RejectedException} (another 4xx: a bug or bad input, retrying would not help). An answer that
 * lacks a field the worker needs is an {@link UnreadableAnswerException}; one with fields the
 * worker does not know is read without them.
 */
public final class WorkerClient {

  private static final ObjectMapper JSON = Json.mapper();

  // A tolerant reader of the server's answers: a field this worker does not know (one a newer
  // server added, as `prunable`, `dataset` and `command` were) is ignored, so a worker need not be
  // upgraded in step with its server. A missing required field still fails (the records check
  // theirs). What the server reads from workers stays strict (WorkerController), and so does the
  // trial's training config inside a grant (ExperimentFiles.readConfig): an unknown setting there
  // would train something other than what was asked.
  private static final ObjectReader ANSWERS =
      JSON.reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** How long the worker waits for the answer to its events unless told otherwise. */
  public static final Duration DEFAULT_EVENTS_TIMEOUT = TIMEOUT;

  private final URI server;
  private final String token;
  private final Duration eventsTimeout;
  private final HttpClient http;

  /**
   * A client that waits {@link #DEFAULT_EVENTS_TIMEOUT} for the answer to its events.
   *
   * @param token sent as {@code Authorization: Bearer <token>}; null or blank sends none
   */
  public WorkerClient(URI server, String token) {
    this(server, token, DEFAULT_EVENTS_TIMEOUT);
  }

  /**
   * @param token sent as {@code Authorization: Bearer <token>}; null or blank sends none
   * @param eventsTimeout how long to wait for the server's answer to a batch of events: then the
   *     call counts as unanswered and the outbox sends the batch again (the server keeps each seq
   *     once); also the longest an epoch's end waits for that answer in an experiment with a pruner
   *     (worker {@code --events-timeout})
   * @throws IllegalArgumentException if {@code eventsTimeout} is not positive
   */
  public WorkerClient(URI server, String token, Duration eventsTimeout) {
    if (eventsTimeout == null || eventsTimeout.isNegative() || eventsTimeout.isZero()) {
      throw new IllegalArgumentException(
          "the wait for the answer to events must be positive, got " + eventsTimeout);
    }
    String base = server.toString();
    this.server = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    this.token = token == null || token.isBlank() ? null : token;
    this.eventsTimeout = eventsTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public URI server() {
    return server;
  }

  /** How long this client waits for the answer to a batch of events. */
  public Duration eventsTimeout() {
    return eventsTimeout;
  }

  public WorkerTerms register(WorkerRegistration registration) {
    return answer(
        "/register", postJson("/register", registration, TIMEOUT).orElseThrow(), WorkerTerms.class);
  }

  /** Waits up to the server's poll time for work; empty when there was none (204). */
  public Optional<LeaseGrant> lease(String worker, Duration pollTime) {
    return postJson("/lease", new LeaseRequest(worker), pollTime.plus(TIMEOUT))
        .map(body -> answer("/lease", body, LeaseGrant.class));
  }

  public HeartbeatAnswer heartbeat(long trialId, LeaseHeartbeat beat) {
    String path = "/leases/" + trialId + "/heartbeat";
    return answer(path, postJson(path, beat, TIMEOUT).orElseThrow(), HeartbeatAnswer.class);
  }

  /** Delivers a batch; the answer says whether the attempt should stop now (pruned, cancelled). */
  public EventsAnswer events(long trialId, EventBatch batch) {
    String path = "/leases/" + trialId + "/events";
    return answer(path, postJson(path, batch, eventsTimeout).orElseThrow(), EventsAnswer.class);
  }

  public void upload(long trialId, UUID leaseToken, String artifact, long seq, Path file) {
    try {
      send(
          request("/leases/" + trialId + "/artifacts/" + artifact + "?seq=" + seq, TIMEOUT)
              .header(WorkerProtocol.LEASE_TOKEN_HEADER, leaseToken.toString())
              .header("Content-Type", "application/octet-stream")
              .PUT(BodyPublishers.ofFile(file)),
          BodyHandlers.ofString());
    } catch (java.io.FileNotFoundException e) {
      throw new IllegalStateException("the outbox lost " + file, e);
    }
  }

  /** Downloads the checkpoint the leased attempt resumes from into {@code target}. */
  public void checkpoint(long trialId, UUID leaseToken, Path target) {
    Path partial = target.resolveSibling(target.getFileName() + ".part");
    send(
        request("/leases/" + trialId + "/checkpoint", TIMEOUT)
            .header(WorkerProtocol.LEASE_TOKEN_HEADER, leaseToken.toString())
            .GET(),
        BodyHandlers.ofFile(partial));
    try {
      java.nio.file.Files.move(
          partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ServerUnavailableException("could not save the checkpoint: " + e.getMessage());
    }
  }

  /**
   * Downloads a command experiment's packed code by its SHA-256 into {@code target}; the lease
   * token shows this worker runs one of its trials (the caller checks the digest).
   */
  public void code(String sha256, UUID leaseToken, Path target) {
    send(
        request(
                WorkerProtocol.CODE
                    .substring(WorkerProtocol.BASE.length())
                    .replace("{sha256}", sha256),
                TIMEOUT)
            .header(WorkerProtocol.LEASE_TOKEN_HEADER, leaseToken.toString())
            .setHeader(
                "Accept", "application/gzip, application/octet-stream, application/problem+json")
            .GET(),
        BodyHandlers.ofFile(target));
  }

  /**
   * Downloads one file of a registered dataset into {@code target}; the lease token shows this
   * worker trains on it (the caller checks the digest).
   */
  public void datasetFile(String sha256, String file, UUID leaseToken, Path target) {
    send(
        request(
                WorkerProtocol.DATASET_FILE
                    .substring(WorkerProtocol.BASE.length())
                    .replace("{sha256}", sha256)
                    .replace("{file}", file),
                TIMEOUT)
            .header(WorkerProtocol.LEASE_TOKEN_HEADER, leaseToken.toString())
            .setHeader("Accept", "application/octet-stream, application/problem+json")
            .GET(),
        BodyHandlers.ofFile(target));
  }

  public void complete(long trialId, Completion completion) {
    postJson("/leases/" + trialId + "/complete", completion, TIMEOUT);
  }

  /**
   * Reads the server's answer to {@code path} as {@code type}, ignoring fields this worker does not
   * know.
   *
   * @throws UnreadableAnswerException if a field the record needs is missing or malformed
   */
  static <T> T answer(String path, JsonNode body, Class<T> type) {
    try {
      T value = ANSWERS.forType(type).readValue(body);
      if (value == null) {
        throw new UnreadableAnswerException(path + " answered null, not a " + type.getSimpleName());
      }
      return value;
    } catch (JacksonException e) {
      throw new UnreadableAnswerException(
          "the server's answer to "
              + path
              + " is not a "
              + type.getSimpleName()
              + " this worker can read (a field it needs is missing or malformed; is the server a"
              + " version this worker does not support?): "
              + e.getOriginalMessage());
    }
  }

  private Optional<JsonNode> postJson(String path, Object body, Duration timeout) {
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(body);
    } catch (JacksonException e) {
      throw new IllegalStateException("protocol records are plain JSON", e);
    }
    HttpResponse<String> response =
        send(
            request(path, timeout)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofByteArray(json)),
            BodyHandlers.ofString());
    if (response.statusCode() == 204 || response.body() == null || response.body().isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(response.body()));
    } catch (JacksonException e) {
      throw new ServerUnavailableException("the server answered something that is not JSON");
    }
  }

  private HttpRequest.Builder request(String path, Duration timeout) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(server + WorkerProtocol.BASE + path))
            .timeout(timeout)
            .header("Accept", "application/json, application/problem+json");
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  /**
   * Why a request got no answer, in words: the HTTP client's ConnectException carries no message
   * ("ConnectException null"), so its cause's, or what it means, is said instead.
   */
  private static String reason(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getClass().getSimpleName() + " " + t.getMessage();
      }
    }
    return e instanceof java.net.ConnectException
        ? "connection refused (is the server running at this address?)"
        : e.getClass().getSimpleName();
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder builder, HttpResponse.BodyHandler<T> body) {
    HttpRequest request = builder.build();
    HttpResponse<T> response;
    try {
      response = http.send(request, body);
    } catch (IOException e) {
      throw new ServerUnavailableException("no answer from " + server + ": " + reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerUnavailableException("interrupted");
    }
    int status = response.statusCode();
    if (status < 400) {
      return response;
    }
    String detail = detail(response.body());
    if (status == 409) {
      throw new LeaseLostException(detail);
    }
    if (status >= 500 || status == 429 || status == 408) {
      throw new ServerUnavailableException(request.uri().getPath() + " answered " + status);
    }
    throw new RejectedException(
        request.method() + " " + request.uri().getPath() + " answered " + status + ": " + detail);
  }

  private static String detail(Object body) {
    if (!(body instanceof String text) || text.isBlank()) {
      return "";
    }
    try {
      return JSON.readTree(text).path("detail").asString(text);
    } catch (JacksonException e) {
      return text;
    }
  }

  /** 409: the lease is no longer this worker's. */
  public static final class LeaseLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LeaseLostException(String message) {
      super(message);
    }
  }

  /** No answer, or the server failed: worth trying again later. */
  public static final class ServerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServerUnavailableException(String message) {
      super(message);
    }
  }

  /**
   * The server answered, but not with what this worker can read: a field it needs is missing or
   * malformed (fields it does not know are ignored). Retrying would get the same answer.
   */
  public static final class UnreadableAnswerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnreadableAnswerException(String message) {
      super(message);
    }
  }

  /** The server refused the request for a reason retrying will not fix. */
  public static final class RejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RejectedException(String message) {
      super(message);
    }
  }
}
