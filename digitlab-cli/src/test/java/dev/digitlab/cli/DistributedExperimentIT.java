package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A server and two workers, each a {@code digitlab.jar} process of its own (the server runs no
 * embedded worker), run a 6-trial experiment: every trial succeeds in exactly one attempt, and the
 * work is shared between the two workers. Then a long experiment is cancelled while two of its
 * trials run: they stop as cancelled, and its queued trials never start.
 */
class DistributedExperimentIT {

  private static final Path MNIST =
      Path.of(System.getProperty("user.home"), ".digitlab", "datasets");

  private static final String EXPERIMENT =
      """
      name: two-workers
      dataset: mnist
      config: {model: mlp, epochs: 2, optimizer: adam, trainSubset: 600, seed: 7}
      search:
        type: grid
        parameters:
          learningRate: [0.01, 0.003, 0.001]
          batchSize: [32, 64]
      objective: {metric: test_f1_macro, goal: max}
      maxParallelTrials: 2
      """;

  private static final String LONG_EXPERIMENT =
      """
      name: to-cancel
      dataset: mnist
      config: {model: mlp, epochs: 50, optimizer: adam, trainSubset: 5000, seed: 7}
      search: {type: grid, parameters: {learningRate: [0.01, 0.003, 0.001, 0.0003]}}
      maxParallelTrials: 2
      """;

  // The logger name, padding and separator come from the jar's log format (Spring Boot's
  // console pattern since Logback is back: "…remote.RemoteWorker      : trial 3 …").
  private static final Pattern SUCCEEDED =
      Pattern.compile("RemoteWorker\\W+trial (\\d+) attempt \\d+ succeeded");

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void two_worker_processes_run_a_six_trial_experiment_once_each(@TempDir Path temp)
      throws Exception {
    assumeTrue(
        Files.isRegularFile(MNIST.resolve("mnist/train-images-idx3-ubyte")),
        "MNIST is not in ~/.digitlab/datasets: run ./digitlab data fetch");
    try (JarServer server = JarServer.start(temp)) {
      List<JarProcess> workers = new ArrayList<>();
      try {
        for (String name : List.of("alpha", "beta")) {
          Path home = Files.createDirectories(temp.resolve(name));
          Files.createSymbolicLink(home.resolve("datasets"), MNIST);
          workers.add(server.worker(temp.resolve(name + ".log"), name, home));
        }
        awaitWorkers(server, 2, Duration.ofMinutes(2));

        long experiment = server.submit(EXPERIMENT);
        JsonNode done = awaitFinished(server, experiment, Duration.ofMinutes(8));

        assertThat(done.path("trials")).hasSize(6);
        Map<Long, List<String>> succeededOn = new TreeMap<>();
        for (JsonNode trial : done.path("trials")) {
          long id = trial.path("id").asLong();
          assertThat(trial.path("status").asString()).as("trial %d", id).isEqualTo("succeeded");
          JsonNode detail = server.get("/api/v1/trials/" + id);
          assertThat(detail.path("attempt").asInt()).as("attempts of trial %d", id).isEqualTo(1);
          assertThat(succeededStatusEvents(server, id)).as("trial %d", id).isEqualTo(1);
          succeededOn.put(id, new ArrayList<>());
        }
        // Each worker logs "trial N attempt A succeeded" once the server took the completion:
        // after the server stored it, so the last one may not be in its log yet when the server
        // shows the experiment finished. Read the logs until every trial's line is there.
        long logged = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
          succeededOn.values().forEach(List::clear);
          for (int w = 0; w < workers.size(); w++) {
            Matcher line = SUCCEEDED.matcher(workers.get(w).output());
            while (line.find()) {
              succeededOn.get(Long.parseLong(line.group(1))).add(List.of("alpha", "beta").get(w));
            }
          }
          if (succeededOn.values().stream().noneMatch(List::isEmpty)
              || System.nanoTime() > logged) {
            break;
          }
          Thread.sleep(250);
        }
        assertThat(succeededOn.values()).allSatisfy(ran -> assertThat(ran).hasSize(1));
        assertThat(succeededOn.values().stream().flatMap(List::stream).distinct())
            .as("both workers ran trials")
            .hasSize(2);

        long longOne = server.submit(LONG_EXPERIMENT);
        awaitRunning(server, longOne, 2, Duration.ofMinutes(3));
        // 202: two of its trials are running, and stop at their workers' next heartbeats.
        post(server.url() + "/api/v1/experiments/" + longOne + "/cancel", 202);
        JsonNode cancelled = awaitFinished(server, longOne, Duration.ofMinutes(2));
        int started = 0;
        for (JsonNode trial : cancelled.path("trials")) {
          assertThat(trial.path("status").asString()).isEqualTo("cancelled");
          started += trial.path("attempt").asInt();
        }
        assertThat(started).as("attempts of the cancelled experiment").isEqualTo(2);
      } finally {
        for (JarProcess worker : workers) {
          worker.close();
        }
      }
    }
  }

  private static void awaitWorkers(JarServer server, int count, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (server.get("/api/v1/workers").size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("workers did not register: " + server.get("/api/v1/workers"));
      }
      Thread.sleep(250);
    }
  }

  private static void awaitRunning(JarServer server, long experiment, int count, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int running = 0;
      for (JsonNode trial : server.get("/api/v1/experiments/" + experiment).path("trials")) {
        if (trial.path("status").asString().equals("running")
            && trial.path("progress").asDouble() > 0) {
          running++;
        }
      }
      if (running >= count) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(count + " trials of " + experiment + " did not start training");
      }
      Thread.sleep(250);
    }
  }

  private void post(String url, int expectedStatus) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(expectedStatus);
  }

  private static JsonNode awaitFinished(JarServer server, long experiment, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode detail = server.get("/api/v1/experiments/" + experiment);
      boolean finished = true;
      for (JsonNode trial : detail.path("trials")) {
        String status = trial.path("status").asString();
        finished &= !status.equals("queued") && !status.equals("running");
      }
      if (finished) {
        return detail;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the experiment did not finish: " + detail);
      }
      Thread.sleep(500);
    }
  }

  /** How many 'succeeded' status events the trial's (unsuperseded) stream holds. */
  private static int succeededStatusEvents(JarServer server, long trial) throws Exception {
    int count = 0;
    for (JsonNode event :
        server.get("/api/v1/trials/" + trial + "/events?type=status&limit=1000").path("items")) {
      if (event.path("payload").path("status").asString().equals("succeeded")) {
        count++;
      }
    }
    return count;
  }
}
