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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The worker protocol over {@code java.net.http}. Every failure is one of three kinds, because the
 * worker reacts to each differently: {@link LeaseLostException} (409: drop the attempt), {@link
 * ServerUnavailableException} (no answer, or 5xx: keep working and try again later) and {@link
 * RejectedException} (another 4xx: a bug or bad input, retrying would not help).
 */
public final class WorkerClient {

  private static final ObjectMapper JSON = Json.mapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI server;
  private final String token;
  private final HttpClient http;

  /**
   * @param token sent as {@code Authorization: Bearer <token>}; null or blank sends none
   */
  public WorkerClient(URI server, String token) {
    String base = server.toString();
    this.server = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    this.token = token == null || token.isBlank() ? null : token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public URI server() {
    return server;
  }

  public WorkerTerms register(WorkerRegistration registration) {
    return JSON.convertValue(
        postJson("/register", registration, TIMEOUT).orElseThrow(), WorkerTerms.class);
  }

  /** Waits up to the server's poll time for work; empty when there was none (204). */
  public Optional<LeaseGrant> lease(String worker, Duration pollTime) {
    return postJson("/lease", new LeaseRequest(worker), pollTime.plus(TIMEOUT))
        .map(body -> JSON.convertValue(body, LeaseGrant.class));
  }

  public HeartbeatAnswer heartbeat(long trialId, LeaseHeartbeat beat) {
    return JSON.convertValue(
        postJson("/leases/" + trialId + "/heartbeat", beat, TIMEOUT).orElseThrow(),
        HeartbeatAnswer.class);
  }

  /** Delivers a batch; the answer says whether the attempt should stop now (pruned, cancelled). */
  public EventsAnswer events(long trialId, EventBatch batch) {
    return JSON.convertValue(
        postJson("/leases/" + trialId + "/events", batch, TIMEOUT).orElseThrow(),
        EventsAnswer.class);
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

  private <T> HttpResponse<T> send(HttpRequest.Builder builder, HttpResponse.BodyHandler<T> body) {
    HttpRequest request = builder.build();
    HttpResponse<T> response;
    try {
      response = http.send(request, body);
    } catch (IOException e) {
      throw new ServerUnavailableException(
          "no answer from " + server + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
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

  /** The server refused the request for a reason retrying will not fix. */
  public static final class RejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RejectedException(String message) {
      super(message);
    }
  }
}
