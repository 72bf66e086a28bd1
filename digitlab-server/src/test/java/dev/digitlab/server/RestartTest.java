package dev.digitlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Acceptance: a server stopped and started again on the same data home (an H2 file) still has every
 * experiment, trial and event, and a trial that was running when it stopped goes back to the queue
 * once its lease expires (the lease sweeper, not a special startup step).
 */
class RestartTest {

  private static final String GRID =
      """
      name: lr-and-batch
      config: {model: mlp, epochs: 1, optimizer: adam, trainSubset: 2000, seed: 1}
      search:
        type: grid
        parameters:
          learningRate: [0.01, 0.003, 0.001]
          batchSize: [64, 128]
      objective: {metric: test_f1_macro, goal: max}
      """;

  @TempDir Path home;

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Test
  void after_a_restart_everything_is_still_there_and_the_running_trial_is_queued_again()
      throws Exception {
    long experimentId;
    long finishedId;
    long runningId;
    try (ConfigurableApplicationContext server = start()) {
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(uri(server, "/api/v1/experiments"))
                  .header("Content-Type", "application/yaml")
                  .POST(BodyPublishers.ofString(GRID))
                  .build(),
              BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      experimentId = json.readTree(created.body()).get("id").asLong();
      TrialQueue queue = server.getBean(TrialQueue.class);
      Lease finished =
          queue.claim("embedded-1", Set.of("cpu"), Duration.ofMinutes(1)).orElseThrow();
      server
          .getBean(EventStore.class)
          .append(
              finished.trialId(),
              1,
              List.of(
                  new NewEvent(
                      1, EventType.LOG, "{\"level\":\"INFO\",\"message\":\"epoch 1 done\"}")));
      queue.complete(
          finished.trialId(),
          finished.leaseToken(),
          new TrialOutcome.Succeeded(0.95, 0.94, null, 3.0, "{\"test_f1_macro\":0.94}"));
      finishedId = finished.trialId();
      // Running when the server stops: its lease (2 s) is never renewed.
      runningId =
          queue.claim("embedded-1", Set.of("cpu"), Duration.ofSeconds(2)).orElseThrow().trialId();
    }

    assertThat(home.resolve("db/digitlab.mv.db")).isRegularFile();

    try (ConfigurableApplicationContext server = start()) {
      JsonNode experiment = getJson(server, "/api/v1/experiments/" + experimentId);
      assertThat(experiment.get("name").asString()).isEqualTo("lr-and-batch");
      assertThat(experiment.get("trials")).hasSize(6);
      assertThat(experiment.get("bestTrialId").asLong()).isEqualTo(finishedId);
      assertThat(experiment.get("spec").get("search").get("type").asString()).isEqualTo("grid");
      JsonNode finished = getJson(server, "/api/v1/trials/" + finishedId);
      assertThat(finished.get("status").asString()).isEqualTo("succeeded");
      assertThat(finished.get("testF1Macro").asDouble()).isEqualTo(0.94);
      JsonNode logs = getJson(server, "/api/v1/trials/" + finishedId + "/logs");
      assertThat(logs.get("items").get(0).get("message").asString()).isEqualTo("epoch 1 done");
      JsonNode listed = getJson(server, "/api/v1/experiments?sort=best_test_f1_macro");
      assertThat(listed.get("items").get(0).get("id").asLong()).isEqualTo(experimentId);

      Trial requeued = awaitQueued(server.getBean(TrialStore.class), runningId);
      assertThat(requeued.attempt()).isEqualTo(1);
      Lease next =
          server
              .getBean(TrialQueue.class)
              .claim("embedded-1", Set.of("cpu"), Duration.ofMinutes(1))
              .orElseThrow();
      assertThat(next.trialId()).isEqualTo(runningId);
      assertThat(next.attempt()).isEqualTo(2);
    }
  }

  private ConfigurableApplicationContext start() {
    // As command-line arguments: they outrank application.properties (builder properties do not).
    return new SpringApplicationBuilder(DigitLabServer.class)
        .run(
            "--digitlab.home=" + home,
            "--server.port=0",
            // No trial runs here; the sweeper still runs, every half lease.
            "--digitlab.worker.slots=0",
            "--digitlab.worker.lease=1s");
  }

  private static Trial awaitQueued(TrialStore trials, long trialId) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
    while (Instant.now().isBefore(deadline)) {
      Trial trial = trials.get(trialId);
      if (trial.status() == TrialStatus.QUEUED) {
        return trial;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("trial " + trialId + " was not queued again after the restart");
  }

  private JsonNode getJson(ConfigurableApplicationContext server, String path) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri(server, path)).build(), BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private static URI uri(ConfigurableApplicationContext server, String path) {
    return URI.create(
        "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port") + path);
  }
}
