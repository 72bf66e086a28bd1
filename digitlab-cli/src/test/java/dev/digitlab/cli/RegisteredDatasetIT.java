package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.testing.SyntheticIdx;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A dataset made by this test (400 synthetic 28×28 images of 10 classes) is registered with {@code
 * digitlab data add}, then an experiment on it runs on a remote worker process whose data home is
 * empty: the worker fetches the four files by digest, keeps them under {@code
 * <home>/datasets/<sha256>/} with the digests the server reported, and trains a model that tells
 * the classes apart. Server and worker are {@code digitlab.jar} processes; the server runs no
 * embedded worker.
 */
class RegisteredDatasetIT {

  @Test
  void a_registered_dataset_trains_on_a_worker_that_did_not_have_it(@TempDir Path temp)
      throws Exception {
    try (JarServer server = JarServer.start(temp)) {
      String url = server.url();
      Path files = SyntheticIdx.write(temp.resolve("blocks"), 400, 100, 10, 21);

      StringWriter out = new StringWriter();
      assertThat(
              cli(out, temp, "data", "add", "blocks", "--dir", files.toString(), "--server", url))
          .as(out.toString())
          .isZero();
      assertThat(out.toString())
          .contains("Registered dataset blocks: 400 training and 100 test images, 10 classes");
      StringWriter listing = new StringWriter();
      assertThat(cli(listing, temp, "data", "ls", "-o", "json", "--server", url)).isZero();
      // The JSON the command printed (the log also holds anything the JVM said on stderr).
      String json =
          listing
              .toString()
              .substring(listing.toString().indexOf('{'), listing.toString().lastIndexOf('}') + 1);
      JsonNode registered = Json.mapper().readTree(json).get("items").get(0);
      assertThat(registered.get("name").asString()).isEqualTo("blocks");
      String sha = registered.get("sha256").asString();
      StringWriter shown = new StringWriter();
      assertThat(cli(shown, temp, "data", "show", "blocks", "--server", url)).isZero();
      assertThat(shown.toString()).contains(sha).contains("Train images 400");

      Path workerHome = Files.createDirectories(temp.resolve("worker"));
      assertThat(workerHome.resolve("datasets")).doesNotExist();
      try (JarProcess worker = server.worker(temp.resolve("worker.log"), "fresh", workerHome)) {
        long id =
            server.submit(
                """
                name: on-blocks
                dataset: blocks
                config: {model: mlp, epochs: 3, optimizer: adam, learningRate: 0.003, seed: 1}
                """);
        JsonNode done = awaitFinished(server, id, Duration.ofMinutes(6), worker);
        JsonNode trial = done.path("trials").get(0);
        assertThat(trial.path("status").asString()).as(done.toString()).isEqualTo("succeeded");
        JsonNode detail = server.get("/api/v1/trials/" + trial.path("id").asLong());
        // A block's place gives its class: any trainer that saw the right labels gets them all.
        assertThat(detail.path("testAccuracy").asDouble()).as(detail.toString()).isGreaterThan(0.9);

        Path kept = workerHome.resolve("datasets").resolve(sha);
        for (String file : RegisteredDataset.FILE_NAMES) {
          assertThat(RegisteredDataset.sha256(kept.resolve(file)))
              .as(file)
              .isEqualTo(registered.get("files").get(file).asString())
              .isEqualTo(RegisteredDataset.sha256(files.resolve(file)));
        }
      }
    }
  }

  /** Runs {@code digitlab ARGS…} as a process of its own (the jar, as users run it). */
  private static int cli(StringWriter out, Path temp, String... args) throws Exception {
    Path log = Files.createTempFile(temp, "cli-", ".log");
    try (JarProcess process = JarProcess.start(log, args)) {
      int status = process.waitFor(Duration.ofMinutes(2));
      out.write(process.output());
      return status;
    }
  }

  private static JsonNode awaitFinished(
      JarServer server, long id, Duration timeout, JarProcess worker) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode experiment = server.get("/api/v1/experiments/" + id);
      String status = experiment.path("status").asString();
      if (status.equals("succeeded") || status.equals("failed")) {
        return experiment;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "experiment " + id + " did not finish: " + experiment + "\n" + worker.output());
      }
      Thread.sleep(250);
    }
  }
}
