package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.trials.TrialStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The HTTP calls the registry and serving tests make against a running server. */
final class ModelApi {

  // A browser-like client: the session cookie carries the CSRF token the pages' forms post back.
  final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  final JsonMapper json = Json.mapper();
  private final int port;
  private final ExperimentStore experiments;
  private final TrialStore trials;

  ModelApi(int port, ExperimentStore experiments, TrialStore trials) {
    this.port = port;
    this.experiments = experiments;
    this.trials = trials;
  }

  private static final Pattern CSRF_META = Pattern.compile("name=\"_csrf\" content=\"([^\"]+)\"");

  /**
   * Posts a page's form as a browser does: with the session's CSRF token, read from a page of the
   * UI, as every form of the UI carries it.
   */
  HttpResponse<String> form(String path, String body) throws IOException, InterruptedException {
    Matcher token = CSRF_META.matcher(get("/").body());
    assertThat(token.find()).as("the UI's pages carry a CSRF token").isTrue();
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                BodyPublishers.ofString(
                    body + "&_csrf=" + URLEncoder.encode(token.group(1), StandardCharsets.UTF_8)))
            .build(),
        BodyHandlers.ofString());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), BodyHandlers.ofString());
  }

  HttpResponse<String> send(String method, String path, String jsonBody)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .method(
                method,
                jsonBody == null ? BodyPublishers.noBody() : BodyPublishers.ofString(jsonBody))
            .build(),
        BodyHandlers.ofString());
  }

  JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return json.readTree(response.body());
  }

  /** Submits the experiment file, waits until its one trial succeeds, and returns the trial id. */
  long trainedTrial(String yaml) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(yaml))
                .build(),
            BodyHandlers.ofString());
    long id = ok(response).get("id").asLong();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
    while (Instant.now().isBefore(deadline)) {
      Experiment experiment = experiments.find(id).orElseThrow();
      if (experiment.status() == ExperimentStatus.SUCCEEDED) {
        return trials.listByExperiment(id).getFirst().id();
      }
      assertThat(experiment.status()).isNotEqualTo(ExperimentStatus.FAILED);
      Thread.sleep(100);
    }
    throw new AssertionError("experiment " + id + " did not finish");
  }

  JsonNode register(String model, long trialId) throws Exception {
    return ok(
        send(
            "POST",
            "/api/v1/models/" + model + "/versions",
            "{\"trialId\":" + trialId + ",\"description\":\"test\"}"));
  }

  HttpResponse<String> promote(String model, String alias, int version) throws Exception {
    return send(
        "PUT", "/api/v1/models/" + model + "/aliases/" + alias, "{\"version\":" + version + "}");
  }

  HttpResponse<String> rollback(String model, String alias) throws Exception {
    return send("POST", "/api/v1/models/" + model + "/aliases/" + alias + "/rollback", null);
  }

  /** A multipart/form-data body with one file part per image, all named {@code image}. */
  HttpResponse<String> predictFiles(String path, List<byte[]> files)
      throws IOException, InterruptedException {
    String boundary = "----digitlab" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] file : files) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"digit.png\""
                  + "\r\nContent-Type: application/octet-stream\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      body.writeBytes(file);
      body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        BodyHandlers.ofString());
  }

  /** One image as the whole request body, with the given content type. */
  HttpResponse<String> predictBody(String path, String contentType, byte[] image)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", contentType)
            .POST(BodyPublishers.ofByteArray(image))
            .build(),
        BodyHandlers.ofString());
  }
}
