package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.server.testing.ProtocolWorkers;
import dev.digitlab.testing.SyntheticIdx;
import dev.digitlab.worker.remote.DatasetCache;
import dev.digitlab.worker.remote.WorkerClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code GET /api/v1/worker/datasets/{sha256}/{file}} over real HTTP with the remote worker's own
 * client and cache: a lease on a trial of a registered dataset names it, fetches its files into the
 * cache with their digests checked, and fetches no other dataset (403) nor anything without a
 * running lease (409); a file that arrives altered is not kept.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DatasetDownloadTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    ProtocolWorkers.serverSettings(properties, home);
  }

  @Value("${local.server.port}")
  int port;

  @TempDir Path temp;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Long> submitted = new ArrayList<>();

  @AfterEach
  void cancelWhatWasSubmitted() throws Exception {
    ProtocolWorkers.cancelExperiments(port, submitted);
  }

  @Test
  void a_lease_fetches_its_own_dataset_by_digest_and_no_other() throws Exception {
    Path mineFiles = SyntheticIdx.write(temp.resolve("mine"), 80, 20, 10, 11);
    String mine = add("mine", mineFiles);
    String theirs = add("theirs", SyntheticIdx.write(temp.resolve("theirs"), 60, 20, 10, 12));
    submit("uses-mine", "mine");

    WorkerClient client = ProtocolWorkers.client(port);
    LeaseGrant grant = ProtocolWorkers.registerAndLease(client, "fetcher", List.of("cpu"));
    assertThat(grant.dataset()).isNotNull();
    assertThat(grant.dataset().name()).isEqualTo("mine");
    assertThat(grant.dataset().sha256()).isEqualTo(mine);

    DatasetCache cache = new DatasetCache(temp.resolve("worker-datasets"));
    Path kept =
        cache.get(
            grant.dataset(),
            (sha, file, target) -> client.datasetFile(sha, file, grant.leaseToken(), target));
    assertThat(kept).isEqualTo(temp.resolve("worker-datasets").resolve(mine));
    for (String file : RegisteredDataset.FILE_NAMES) {
      assertThat(Files.readAllBytes(kept.resolve(file)))
          .isEqualTo(Files.readAllBytes(mineFiles.resolve(file)));
    }
    assertThat(RegisteredDataset.read(kept).train().size()).isEqualTo(80);

    assertThatThrownBy(
            () ->
                client.datasetFile(
                    theirs,
                    RegisteredDataset.FILE_NAMES.get(0),
                    grant.leaseToken(),
                    temp.resolve("x")))
        .isInstanceOf(WorkerClient.RejectedException.class)
        .hasMessageContaining("403");
    assertThatThrownBy(
            () ->
                client.datasetFile(
                    mine,
                    RegisteredDataset.FILE_NAMES.get(0),
                    UUID.randomUUID(),
                    temp.resolve("y")))
        .isInstanceOf(WorkerClient.LeaseLostException.class);

    // A file altered on the way is refused and nothing is kept under the digest.
    DatasetCache other = new DatasetCache(temp.resolve("tampered"));
    assertThatThrownBy(
            () ->
                other.get(
                    grant.dataset(),
                    (sha, file, target) -> {
                      client.datasetFile(sha, file, grant.leaseToken(), target);
                      byte[] bytes = Files.readAllBytes(target);
                      bytes[bytes.length - 1] ^= 1;
                      Files.write(target, bytes);
                    }))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refusing to train on it");
    assertThat(other.directory(mine)).doesNotExist();
  }

  @Test
  void a_built_in_datasets_lease_names_no_dataset() throws Exception {
    submit("on-mnist", "mnist");
    LeaseGrant grant =
        ProtocolWorkers.registerAndLease(ProtocolWorkers.client(port), "plain", List.of("cpu"));
    assertThat(grant.dataset()).isNull();
  }

  private String add(String name, Path dir) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/datasets?name=" + name)))
                .header("Content-Type", "application/x-tar")
                .POST(HttpRequest.BodyPublishers.ofByteArray(SyntheticIdx.tar(dir)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.mapper().readTree(response.body()).get("sha256").asString();
  }

  private void submit(String name, String dataset) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/experiments")))
                .header("Content-Type", "application/yaml")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "name: " + name + "\ndataset: " + dataset + "\nconfig: {epochs: 1}\n"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    submitted.add(Json.mapper().readTree(response.body()).get("id").asLong());
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
