package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A Digit Lab server for the ITs that run servers and workers as processes of their own: {@code
 * digitlab.jar server} with no embedded worker ({@code --worker-slots 0}), so that only the workers
 * a test starts ({@link #worker}) run trials, on a free port, its home in {@code <temp>/server} and
 * its output in {@code <temp>/server.log}; with the HTTP calls those tests make to it.
 */
final class JarServer implements AutoCloseable {

  private final JarProcess process;
  private final String url;
  private final HttpClient http = HttpClient.newHttpClient();

  private JarServer(JarProcess process, String url) {
    this.process = process;
    this.url = url;
  }

  /** Starts the server and waits (up to 3 minutes) until it says where it listens. */
  static JarServer start(Path temp) throws IOException, InterruptedException {
    return start(temp, Map.of());
  }

  /**
   * {@link #start(Path)} with these environment variables and more options for {@code server} (e.g.
   * {@code --allow-commands}).
   */
  static JarServer start(Path temp, Map<String, String> environment, String... moreOptions)
      throws IOException, InterruptedException {
    Path home = Files.createDirectories(temp.resolve("server"));
    List<String> arguments =
        new ArrayList<>(
            List.of("server", "--home", home.toString(), "--port", "0", "--worker-slots", "0"));
    arguments.addAll(List.of(moreOptions));
    JarProcess process =
        JarProcess.start(temp.resolve("server.log"), environment, arguments.toArray(String[]::new));
    try {
      return new JarServer(process, process.awaitServerUrl(Duration.ofMinutes(3)));
    } catch (IOException | InterruptedException | RuntimeException e) {
      process.close();
      throw e;
    }
  }

  /** Where it listens, e.g. {@code http://127.0.0.1:41234}. */
  String url() {
    return url;
  }

  /** Starts {@code digitlab worker} named {@code name} for this server, its home {@code home}. */
  JarProcess worker(Path log, String name, Path home) throws IOException {
    return JarProcess.start(
        log, "worker", "--server", url, "--name", name, "--home", home.toString());
  }

  /** Submits an experiment file (YAML); returns the new experiment's id. */
  long submit(String yaml) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.mapper().readTree(response.body()).path("id").asLong();
  }

  /** {@code GET path} (e.g. {@code /api/v1/workers}), which must answer 200, as JSON. */
  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + path))
                .header("Accept", "application/json")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  /** Stops the server (SIGTERM, then SIGKILL after 20 s). */
  @Override
  public void close() {
    process.close();
  }
}
