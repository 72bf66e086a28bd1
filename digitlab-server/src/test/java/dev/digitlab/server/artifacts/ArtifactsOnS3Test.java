package dev.digitlab.server.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.testing.S3ProxyServer;
import dev.digitlab.server.trials.TrialDirectories;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A server configured with an S3-compatible store (a real S3Proxy process) publishes every file a
 * trial writes there, serves them back when its local copy is gone (as another replica would), and
 * deletes them with the experiment. Real training on a small subset of MNIST from the developer's
 * data home, skipped when it is not there.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ArtifactsOnS3Test {

  private static final Path DATA_HOME = MnistDataHome.PATH;

  @TempDir static Path home;
  @TempDir static Path proxyDir;
  static S3ProxyServer proxy;
  static S3Settings s3;

  @BeforeAll
  static void mnistIsFetched() {
    MnistDataHome.assumeFetched();
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    proxy = S3ProxyServer.start(proxyDir);
    s3 = proxy.addBucketTo(properties, 5L * 1024 * 1024);
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  @AfterAll
  static void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired TrialDirectories directories;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_trials_files_live_in_s3_are_served_from_there_and_are_deleted_with_the_experiment()
      throws Exception {
    long experimentId =
        submit("name: on-s3\nconfig: {model: mlp, epochs: 2, trainSubset: 1000, seed: 3}\n");
    Experiment done = awaitFinished(experimentId, Duration.ofMinutes(3));
    assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    long trialId = trials.listByExperiment(experimentId).getFirst().id();

    S3ObjectStore bucket = new S3ObjectStore(s3);
    for (String file :
        new String[] {"checkpoint.ckpt", "model.dlm", "confusion-matrix.json", "per-class.json"}) {
      assertThat(bucket.exists("trials/" + trialId + "/attempt-1/" + file)).as(file).isTrue();
    }

    // As on a replica that never ran the trial: nothing local, everything from the store.
    directories.deleteLocal(trialId);
    assertThat(directories.of(trialId)).doesNotExist();
    HttpResponse<String> matrix = get("/api/v1/trials/" + trialId + "/confusion-matrix");
    assertThat(matrix.statusCode()).as(matrix.body()).isEqualTo(200);
    assertThat(matrix.body()).contains("\"counts\"");
    HttpResponse<byte[]> model =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/" + trialId + "/artifacts/model")).build(),
            BodyHandlers.ofByteArray());
    assertThat(model.statusCode()).isEqualTo(200);
    assertThat(model.body().length).isGreaterThan(1000);

    HttpResponse<String> deleted =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments/" + experimentId)).DELETE().build(),
            BodyHandlers.ofString());
    assertThat(deleted.statusCode()).as(deleted.body()).isBetween(200, 204);
    assertThat(bucket.exists("trials/" + trialId + "/attempt-1/model.dlm")).isFalse();
    assertThat(bucket.deletePrefix("trials/" + trialId + "/")).isZero();
  }

  private long submit(String file) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(file))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.mapper().readTree(response.body()).get("id").asLong();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).header("Accept", "application/json").build(),
        BodyHandlers.ofString());
  }

  private Experiment awaitFinished(long id, Duration limit) throws InterruptedException {
    Instant deadline = Instant.now().plus(limit);
    while (Instant.now().isBefore(deadline)) {
      Experiment experiment = experiments.find(id).orElseThrow();
      if (experiment.status() == ExperimentStatus.SUCCEEDED
          || experiment.status() == ExperimentStatus.FAILED) {
        return experiment;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("experiment " + id + " did not finish in " + limit);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
