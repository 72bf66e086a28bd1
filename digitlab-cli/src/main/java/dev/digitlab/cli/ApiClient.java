package dev.digitlab.cli;

import dev.digitlab.ml.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The Digit Lab REST API over {@code java.net.http}. Answers are JSON trees; a refusal becomes an
 * {@link ApiException} whose message a user can act on (the problem details' detail and errors).
 */
final class ApiClient {

  private static final ObjectMapper JSON = Json.mapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static final String JSON_ACCEPT = "application/json, application/problem+json";

  private final URI server;
  private final String token;
  private final HttpClient http;

  /**
   * @param token the API token to send as {@code Authorization: Bearer}; null sends none
   */
  ApiClient(URI server, String token) {
    this.server = server;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  URI server() {
    return server;
  }

  JsonNode get(String path) {
    return send(request(path).header("Accept", JSON_ACCEPT).GET());
  }

  /** A text answer (an HTML page, a log) as it came. */
  String getText(String path, String accept) {
    return exchange(request(path).header("Accept", accept + ", application/problem+json").GET())
        .body();
  }

  JsonNode post(String path, String body, String contentType) {
    return send(
        request(path)
            .header("Accept", JSON_ACCEPT)
            .header("Content-Type", contentType)
            .POST(BodyPublishers.ofString(body)));
  }

  /** A binary body (a model file, packed code) posted as it is. */
  JsonNode post(String path, byte[] body, String contentType) {
    return send(
        request(path)
            .header("Accept", JSON_ACCEPT)
            .header("Content-Type", contentType)
            .POST(BodyPublishers.ofByteArray(body)));
  }

  JsonNode put(String path, String body, String contentType) {
    return send(
        request(path)
            .header("Accept", JSON_ACCEPT)
            .header("Content-Type", contentType)
            .PUT(BodyPublishers.ofString(body)));
  }

  JsonNode post(String path) {
    return send(request(path).header("Accept", JSON_ACCEPT).POST(BodyPublishers.noBody()));
  }

  JsonNode delete(String path) {
    return send(request(path).header("Accept", JSON_ACCEPT).DELETE());
  }

  /**
   * Saves a binary answer (a model file) to {@code target}, whole or not at all: it is written to a
   * temporary file beside it and moved into place once complete. {@code exampleName} is the file
   * name suggested when {@code target} is a folder.
   */
  long download(String path, java.nio.file.Path target, String exampleName) {
    HttpRequest request =
        request(path)
            .header("Accept", "application/octet-stream, application/problem+json")
            .GET()
            .build();
    java.nio.file.Path dir = target.toAbsolutePath().getParent();
    // Said before the download: the move into place would fail with a bare path as its message
    // (a missing folder), or replace an empty folder by the file.
    if (java.nio.file.Files.isDirectory(target)) {
      throw new ApiException(
          target
              + " is a folder: give the file to write, e.g. "
              + target.resolve(exampleName)
              + ".");
    }
    if (!java.nio.file.Files.isDirectory(dir)) {
      throw new ApiException(
          "There is no folder "
              + target.getParent()
              + " to write "
              + target.getFileName()
              + " into: create it first.");
    }
    try {
      // Not createTempFile: its owner-only 0600 would stay on the file moved into place, which
      // should get the permissions of any new file here (the umask's).
      java.nio.file.Path temporary =
          java.nio.file.Files.createFile(
              dir.resolve(".download-" + java.util.UUID.randomUUID() + ".part"));
      try {
        HttpResponse<java.nio.file.Path> response =
            http.send(
                request,
                HttpResponse.BodyHandlers.ofFile(
                    temporary,
                    java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING));
        if (response.statusCode() >= 400) {
          String body = java.nio.file.Files.readString(temporary);
          throw new ApiException(describe(request, response.statusCode(), parse(body)));
        }
        java.nio.file.Files.move(
            temporary, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return java.nio.file.Files.size(target);
      } finally {
        java.nio.file.Files.deleteIfExists(temporary);
      }
    } catch (ConnectException e) {
      throw new ApiException("Cannot reach the Digit Lab server at " + server + ".");
    } catch (IOException e) {
      throw new ApiException(
          "Downloading " + path + " to " + target + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException("Interrupted while downloading from " + server);
    }
  }

  /** The request with this client's token, if it has one (for requests made elsewhere: SSE). */
  HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private HttpRequest.Builder request(String path) {
    return authorized(HttpRequest.newBuilder(URI.create(server + path)).timeout(TIMEOUT));
  }

  private JsonNode send(HttpRequest.Builder builder) {
    return parse(exchange(builder).body());
  }

  /** The answer to a request; an error status becomes an {@link ApiException}. */
  private HttpResponse<String> exchange(HttpRequest.Builder builder) {
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    try {
      response = http.send(request, BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new ApiException(
          "Cannot reach the Digit Lab server at "
              + server
              + ". Start one with 'digitlab server', or point --server (or DIGITLAB_SERVER) at"
              + " yours.");
    } catch (HttpTimeoutException e) {
      throw new ApiException("The server at " + server + " did not answer in " + TIMEOUT + ".");
    } catch (IOException e) {
      throw new ApiException("Talking to " + server + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException("Interrupted while waiting for " + server);
    }
    if (response.statusCode() >= 400) {
      throw new ApiException(describe(request, response.statusCode(), parse(response.body())));
    }
    return response;
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return JSON.nullNode();
    }
    try {
      return JSON.readTree(body);
    } catch (JacksonException e) {
      return JSON.getNodeFactory().stringNode(body);
    }
  }

  /** The problem details as lines: the detail, then one line per bad field. */
  static String describe(HttpRequest request, int status, JsonNode problem) {
    StringBuilder message = new StringBuilder();
    String detail = problem.path("detail").asString("");
    if (detail.isEmpty()) {
      detail =
          request.method()
              + " "
              + request.uri().getPath()
              + " answered "
              + status
              + problemTitle(problem);
    }
    if (!problem.path("errors").isEmpty()) {
      // The API's words point at its JSON field; here the problems are the lines that follow.
      detail = detail.replace(", listed in 'errors'.", ":");
    }
    message.append(detail);
    for (JsonNode error : problem.path("errors")) {
      String path = error.path("path").asString("");
      String line = (path.isEmpty() ? "" : path + ": ") + error.path("message").asString("");
      // A refused parameter's detail is its one error already ("sort: must be one of …").
      if (!line.equals(detail)) {
        message.append(System.lineSeparator()).append("  ").append(line);
      }
    }
    return message.toString();
  }

  private static String problemTitle(JsonNode problem) {
    String title = problem.path("title").asString("");
    return title.isEmpty() ? "" : " (" + title + ")";
  }

  /** The server refused a request, or could not be reached; the message says what to do. */
  static final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ApiException(String message) {
      super(message);
    }
  }
}
