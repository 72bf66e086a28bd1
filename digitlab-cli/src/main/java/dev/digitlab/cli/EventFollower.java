package dev.digitlab.cli;

import dev.digitlab.cli.ApiClient.ApiException;
import dev.digitlab.ml.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Follows a Server-Sent Events stream of trial events until the thing it watches has stopped. When
 * the connection drops, or the stream ends while the trial still runs (a server restart), it
 * reconnects with {@code Last-Event-ID}, so every event is handled exactly once.
 */
final class EventFollower {

  /** One SSE message: the event's id, its type and its JSON. */
  record Message(long id, String type, JsonNode data) {}

  private static final ObjectMapper JSON = Json.mapper();

  private final HttpClient http;
  private final ApiClient client;
  private final URI stream;
  private final Duration retryDelay;
  private final int maxFailures;
  private final PrintWriter notes;

  /**
   * @param maxFailures reconnections in a row without receiving an event before giving up
   */
  EventFollower(
      ApiClient client, URI stream, Duration retryDelay, int maxFailures, PrintWriter notes) {
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.client = client;
    this.stream = stream;
    this.retryDelay = retryDelay;
    this.maxFailures = maxFailures;
    this.notes = notes;
  }

  /**
   * Hands each event after {@code afterId} to {@code onMessage}, in order, until a stream ends and
   * {@code finished} says no more will come. Returns the last event id seen.
   */
  long follow(long afterId, Consumer<Message> onMessage, BooleanSupplier finished)
      throws InterruptedException {
    long last = afterId;
    int failures = 0;
    while (true) {
      long before = last;
      String problem;
      try {
        last = readOnce(last, onMessage);
        if (finished.getAsBoolean()) {
          return last;
        }
        problem = "the stream ended early";
      } catch (IOException | UncheckedIOException e) {
        problem = "the connection was lost (" + e.getMessage() + ")";
      } catch (PartialRead partial) {
        last = partial.last;
        problem = "the connection was lost (" + partial.getCause().getMessage() + ")";
      }
      failures = last > before ? 1 : failures + 1;
      if (failures > maxFailures) {
        throw new ApiException(
            "Lost the event stream "
                + stream
                + ": "
                + problem
                + "; gave up after "
                + maxFailures
                + " reconnection(s).");
      }
      notes.println(problem + "; reconnecting after event " + last);
      notes.flush();
      Thread.sleep(retryDelay);
    }
  }

  /** Reads one connection's messages; returns the last id handled. */
  private long readOnce(long afterId, Consumer<Message> onMessage)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        client.authorized(HttpRequest.newBuilder(stream).header("Accept", "text/event-stream"));
    if (afterId > 0) {
      request.header("Last-Event-ID", Long.toString(afterId));
    }
    HttpRequest built = request.build();
    HttpResponse<Stream<String>> response = http.send(built, BodyHandlers.ofLines());
    long last = afterId;
    try (Stream<String> lines = response.body()) {
      if (response.statusCode() >= 400) {
        String body = lines.collect(Collectors.joining("\n"));
        JsonNode problem;
        try {
          problem = JSON.readTree(body);
        } catch (JacksonException e) {
          problem = JSON.nullNode();
        }
        throw new ApiException(ApiClient.describe(built, response.statusCode(), problem));
      }
      String id = null;
      String type = null;
      StringBuilder data = new StringBuilder();
      Iterator<String> iterator = lines.iterator();
      try {
        while (iterator.hasNext()) {
          String line = iterator.next();
          if (line.isEmpty()) {
            if (!data.isEmpty() && id != null) {
              long eventId = Long.parseLong(id);
              if (eventId > last) {
                onMessage.accept(new Message(eventId, type, JSON.readTree(data.toString())));
                last = eventId;
              }
            }
            id = null;
            type = null;
            data.setLength(0);
          } else if (line.startsWith("id:")) {
            id = field(line, 3);
          } else if (line.startsWith("event:")) {
            type = field(line, 6);
          } else if (line.startsWith("data:")) {
            data.append(field(line, 5));
          }
        }
      } catch (UncheckedIOException | JacksonException e) {
        throw new PartialRead(last, e);
      }
    }
    return last;
  }

  private static String field(String line, int start) {
    String value = line.substring(start);
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  /** A connection that dropped after some messages were handled. */
  private static final class PartialRead extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long last;

    PartialRead(long last, Exception cause) {
      super(cause);
      this.last = last;
    }
  }
}
