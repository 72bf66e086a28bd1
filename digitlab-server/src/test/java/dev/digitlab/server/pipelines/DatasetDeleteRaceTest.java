package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.pipeline.PipelineFiles;
import dev.digitlab.protocol.pipeline.PipelineSpec;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.testing.LockWaits;
import dev.digitlab.server.testing.PostgresSchema;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.testing.SyntheticIdx;
import dev.digitlab.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The race between a pipeline submission and a delete of the dataset it names, made to happen in
 * its worst order without timing: the submission has resolved the dataset and is inside the
 * transaction that stores the run when the delete arrives. The delete must not remove the dataset
 * under the run about to be stored: it waits for that transaction (PostgreSQL shows it waiting on a
 * lock), then sees the run and answers 409, and the dataset stays. Before the fix the delete did
 * not wait: it deleted the registration and files, and the run was stored reading a deleted
 * dataset.
 */
@ExtendWith(TestPostgres.Required.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DatasetDeleteRaceTest {

  @TempDir static Path home;

  /** Dropped after the context is closed (see {@link PostgresSchema}). */
  @AutoClose static final PostgresSchema SCHEMA = PostgresSchema.named("dataset_race_");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    SCHEMA.addTo(properties);
    properties.add("digitlab.home", () -> home.toString());
    // No worker: the run's train step waits for its trial, so the run stays running.
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @TempDir Path work;

  @Value("${local.server.port}")
  int port;

  @Autowired PipelineExecutor executor;
  @Autowired PipelineDatasets datasets;
  @Autowired JdbcClient jdbc;
  @Autowired DatasetRegistry registry;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_delete_during_a_submission_waits_for_the_run_and_is_refused() throws Exception {
    register("racing", SyntheticIdx.write(work.resolve("d"), 80, 20, 4, 3), 4);
    PipelineSpec spec =
        datasets.resolve(
            new PipelineFiles()
                .read(
                    """
                    name: racing-run
                    steps:
                      - {name: train, type: train,
                         parameters: {dataset: racing, model: mlp, epochs: 1, seed: 1}}
                    """,
                    FileFormat.AUTO));

    // The submission, as the controller makes it, paused inside its transaction right after its
    // hold on the datasets: the run is not stored yet.
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<PipelineRun> submitted =
        CompletableFuture.supplyAsync(
            () ->
                executor.start(
                    spec,
                    "{}",
                    "alice",
                    () -> {
                      datasets.hold(spec);
                      held.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                    }));
    held.await();

    // The delete, as its endpoint calls it (DELETE /api/v1/datasets/racing): its answer.
    CompletableFuture<String> deleted =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                registry.delete("racing");
                return "deleted";
              } catch (ConflictException e) {
                return "409: " + e.getMessage();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    // Until the delete either answered or waits on the submission's lock: a state, not a time.
    Waiting.until(
        () -> deleted.isDone() || LockWaits.waiting(jdbc, "registered_dataset"),
        done -> done,
        Duration.ofSeconds(60),
        "the delete answering or waiting on a lock");
    release.countDown();
    PipelineRun run = submitted.get();

    assertThat(deleted.get()).startsWith("409: ").contains("racing");
    assertThat(get("/api/v1/datasets/racing").statusCode()).isEqualTo(200);
    assertThat(
            Json.mapper()
                .readTree(get("/api/v1/pipelines/" + run.id()).body())
                .path("status")
                .asString())
        .isEqualTo("running");
  }

  private void register(String name, Path dir, int classes) throws Exception {
    HttpResponse<String> added =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(base() + "/api/v1/datasets?name=" + name + "&classes=" + classes))
                .header("Content-Type", "application/x-tar")
                .POST(BodyPublishers.ofByteArray(SyntheticIdx.tar(dir)))
                .build(),
            BodyHandlers.ofString());
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path)).build(), BodyHandlers.ofString());
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }
}
