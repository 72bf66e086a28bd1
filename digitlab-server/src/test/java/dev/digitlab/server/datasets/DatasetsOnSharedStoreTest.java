package dev.digitlab.server.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.server.artifacts.S3ObjectStore;
import dev.digitlab.server.artifacts.S3Settings;
import dev.digitlab.server.testing.S3ProxyServer;
import dev.digitlab.testing.SyntheticIdx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A server with an S3-compatible store (a real S3Proxy process): a registered dataset's files are
 * published there under {@code datasets/<digest>/}; deleting the dataset deletes them, there and in
 * the server's home, unless another name has the same files; a dataset an experiment uses is not
 * deleted (409) and keeps its files.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DatasetsOnSharedStoreTest {

  @TempDir static Path home;
  @TempDir static Path proxyDir;
  static S3ProxyServer proxy;
  static S3Settings s3;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    proxy = S3ProxyServer.start(proxyDir);
    s3 = proxy.addBucketTo(properties, 5L * 1024 * 1024);
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @AfterAll
  static void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @TempDir Path work;

  @Value("${local.server.port}")
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void deleting_the_last_name_of_a_dataset_deletes_its_files_in_the_object_store()
      throws Exception {
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("a"), 80, 20, 10, 11));
    String sha = add("shared-one", archive);
    assertThat(add("shared-two", archive)).as("the same files, the same digest").isEqualTo(sha);
    try (S3ObjectStore bucket = new S3ObjectStore(s3)) {
      assertStored(bucket, sha, true);

      assertThat(delete("shared-one").statusCode()).isEqualTo(204);
      // 'shared-two' still names these files: they stay, in the bucket and in the home.
      assertStored(bucket, sha, true);
      assertThat(home.resolve("datasets").resolve(sha)).isDirectory();

      assertThat(delete("shared-two").statusCode()).isEqualTo(204);
      assertStored(bucket, sha, false);
      assertThat(home.resolve("datasets").resolve(sha)).doesNotExist();
    }
  }

  @Test
  void a_dataset_an_experiment_uses_is_not_deleted_and_keeps_its_files() throws Exception {
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("b"), 80, 20, 10, 12));
    String sha = add("in-use", archive);
    HttpResponse<String> submitted =
        send(
            request("/api/v1/experiments")
                .header("Content-Type", "application/json")
                .POST(
                    BodyPublishers.ofString(
                        "{\"name\": \"on-in-use\", \"dataset\": \"in-use\","
                            + " \"config\": {\"model\": \"mlp\", \"epochs\": 1}}")));
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);

    HttpResponse<String> refused = delete("in-use");
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body()).contains("used by 1 experiment(s)");
    try (S3ObjectStore bucket = new S3ObjectStore(s3)) {
      assertStored(bucket, sha, true);
    }
    assertThat(home.resolve("datasets").resolve(sha)).isDirectory();
  }

  private static void assertStored(S3ObjectStore bucket, String sha, boolean stored) {
    for (String file : RegisteredDataset.FILE_NAMES) {
      assertThat(bucket.exists("datasets/" + sha + "/" + file))
          .as("datasets/%s/%s in the bucket", sha, file)
          .isEqualTo(stored);
    }
  }

  private String add(String name, byte[] archive) throws Exception {
    HttpResponse<String> added =
        send(
            request("/api/v1/datasets?name=" + name + "&classes=10")
                .header("Content-Type", "application/x-tar")
                .POST(BodyPublishers.ofByteArray(archive)));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    return Json.mapper().readTree(added.body()).get("sha256").asString();
  }

  private HttpResponse<String> delete(String name) throws Exception {
    return send(request("/api/v1/datasets/" + name).DELETE());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
