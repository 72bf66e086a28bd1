package dev.digitlab.server.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.testing.SyntheticIdx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Registering datasets through the API with authentication on: a user registers a dataset the test
 * made, a viewer may list it but not add or delete one; corrupt files, a taken name and a too-large
 * upload get a 4xx that says what is wrong and store nothing; experiments name it (the stored spec
 * keeps its digest), an unknown name is a field error naming the known datasets, a dataset in use
 * is not deleted; the form and the Datasets page offer it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DatasetApiTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.auth.enabled", () -> "true");
    properties.add("digitlab.limits.max-dataset-size", () -> "1MB");
  }

  @TempDir Path work;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;
  @Autowired JdbcClient jdbc;

  String user;
  String viewer;

  @BeforeEach
  void tokens() {
    user = tokens.create("alice-" + System.nanoTime(), Role.USER).secret();
    viewer = tokens.create("dashboard-" + System.nanoTime(), Role.VIEWER).secret();
  }

  @Test
  void a_user_registers_a_dataset_and_a_viewer_may_only_look() throws Exception {
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("a"), 200, 50, 10, 1));
    long before = count();

    HttpResponse<String> refused = add("viewers-may-not", 10, archive, viewer);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(add("anonymous", 10, archive, null).statusCode()).isEqualTo(401);
    assertThat(count()).isEqualTo(before);

    HttpResponse<String> added = add("blocks", 10, archive, user);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    JsonNode dataset = Json.mapper().readTree(added.body());
    assertThat(dataset.get("trainCount").asInt()).isEqualTo(200);
    assertThat(dataset.get("testCount").asInt()).isEqualTo(50);
    assertThat(dataset.get("classes").asInt()).isEqualTo(10);
    String sha = dataset.get("sha256").asString();
    assertThat(sha).matches("[0-9a-f]{64}");
    // Kept by digest under the server's home, under MNIST's file names.
    assertThat(home.resolve("datasets").resolve(sha).resolve("train-images-idx3-ubyte"))
        .isRegularFile();

    JsonNode list = Json.mapper().readTree(get("/api/v1/datasets", viewer).body());
    assertThat(list.get("items").findValuesAsString("name")).contains("blocks");
    JsonNode shown = Json.mapper().readTree(get("/api/v1/datasets/blocks", viewer).body());
    assertThat(shown.get("sha256").asString()).isEqualTo(sha);
    assertThat(shown.get("files").get("t10k-labels-idx1-ubyte").asString()).hasSize(64);

    // The files themselves, for readers ('digitlab train --dataset NAME --server URL').
    HttpResponse<byte[]> file =
        http.send(
            request("/api/v1/datasets/blocks/files/train-labels-idx1-ubyte", viewer).GET().build(),
            BodyHandlers.ofByteArray());
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(file.body())
        .isEqualTo(Files.readAllBytes(work.resolve("a").resolve(SyntheticIdx.TRAIN_LABELS)));
    assertThat(get("/api/v1/datasets/blocks/files/train-labels-idx1-ubyte", null).statusCode())
        .isEqualTo(401);
    HttpResponse<String> other = get("/api/v1/datasets/blocks/files/secrets.txt", viewer);
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(other.body()).contains("not 'secrets.txt'");
    assertThat(get("/api/v1/datasets/nope/files/train-labels-idx1-ubyte", viewer).statusCode())
        .isEqualTo(404);
    // 'digitlab data show mnist': a built-in dataset is not registered, and the 404 says so.
    HttpResponse<String> builtIn = get("/api/v1/datasets/mnist", viewer);
    assertThat(builtIn.statusCode()).isEqualTo(404);
    assertThat(builtIn.body()).contains("'mnist' is built in, not registered");

    HttpResponse<String> taken = add("blocks", 10, archive, user);
    assertThat(taken.statusCode()).isEqualTo(409);
    assertThat(taken.body()).contains("'blocks' is registered already");
    assertThat(add("mnist", 10, archive, user).body()).contains("built-in dataset");

    assertThat(delete("blocks", viewer).statusCode()).isEqualTo(403);
    assertThat(get("/api/v1/datasets/blocks", viewer).statusCode()).isEqualTo(200);
  }

  @Test
  void corrupt_files_are_refused_with_what_is_wrong_and_nothing_is_stored() throws Exception {
    long before = count();
    assertRefused(
        corrupt("magic", dir -> patch(dir.resolve(SyntheticIdx.TRAIN_LABELS), 3, (byte) 0x03)),
        400,
        "train-labels-idx1-ubyte is not an IDX label (idx1-ubyte) file");
    assertRefused(
        corrupt(
            "truncated",
            dir -> {
              Path file = dir.resolve(SyntheticIdx.TEST_IMAGES);
              byte[] bytes = read(file);
              write(file, Arrays.copyOf(bytes, bytes.length - 784));
            }),
        400,
        "t10k-images-idx3-ubyte is truncated");
    assertRefused(
        corrupt(
            "counts",
            dir ->
                write(
                    dir.resolve(SyntheticIdx.TRAIN_LABELS), SyntheticIdx.labelFile(new byte[99]))),
        400,
        "holds 99 labels");
    assertRefused(
        corrupt(
            "size",
            dir ->
                write(
                    dir.resolve(SyntheticIdx.TRAIN_IMAGES),
                    SyntheticIdx.imageFile(100, 20, 20, new byte[100 * 400]))),
        400,
        "holds 20x20 images");
    assertRefused(
        corrupt("labels", dir -> patch(dir.resolve(SyntheticIdx.TEST_LABELS), 8 + 7, (byte) 12)),
        400,
        "t10k-labels-idx1-ubyte gives label 12 to item 7");
    assertRefused(
        corrupt("missing", dir -> delete(dir.resolve(SyntheticIdx.TEST_LABELS))),
        400,
        "missing t10k-labels-idx1-ubyte");
    assertRefused("not a tar archive at all".getBytes(), 400, "");
    // Past digitlab.limits.max-dataset-size (1MB here): 413 naming the setting.
    byte[] big = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("big"), 1500, 10, 10, 9));
    assertRefused(big, 413, "digitlab.limits.max-dataset-size");
    assertThat(count()).isEqualTo(before);
    try (Stream<Path> left = Files.list(home.resolve("datasets"))) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("no staging folder is left behind")
          .noneMatch(name -> name.startsWith(".upload-"));
    }
  }

  @Test
  void experiments_name_registered_datasets_and_keep_their_digest() throws Exception {
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("b"), 100, 30, 4, 2));
    HttpResponse<String> added = add("four-blocks", 4, archive, user);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    String sha = Json.mapper().readTree(added.body()).get("sha256").asString();

    HttpResponse<String> unknown = submit("{\"name\": \"u\", \"dataset\": \"nope\"}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    JsonNode error = Json.mapper().readTree(unknown.body()).get("errors").get(0);
    assertThat(error.get("path").asString()).isEqualTo("dataset");
    assertThat(error.get("message").asString())
        .contains("no dataset 'nope'")
        .contains("mnist, fashion-mnist")
        .contains("four-blocks");

    HttpResponse<String> other =
        submit(
            "{\"name\": \"t\", \"dataset\": \"four-blocks\", \"datasetSha256\": \""
                + "0".repeat(64)
                + "\"}");
    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(other.body()).contains("has digest " + sha);

    HttpResponse<String> submitted =
        submit(
            "{\"name\": \"on-blocks\", \"dataset\": \"four-blocks\","
                + " \"config\": {\"model\": \"mlp\", \"epochs\": 1}}");
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    long id = Json.mapper().readTree(submitted.body()).get("id").asLong();
    String spec =
        jdbc.sql("SELECT spec FROM experiment WHERE id = :id")
            .param("id", id)
            .query(String.class)
            .single();
    assertThat(Json.mapper().readTree(spec).get("datasetSha256").asString()).isEqualTo(sha);

    HttpResponse<String> inUse = delete("four-blocks", user);
    assertThat(inUse.statusCode()).isEqualTo(409);
    assertThat(inUse.body()).contains("used by 1 experiment(s) (ids " + id + ")");
    assertThat(get("/api/v1/datasets/four-blocks", user).statusCode()).isEqualTo(200);

    // The form's dataset select and the Datasets page offer it.
    String form = get("/experiments/new", viewer).body();
    assertThat(form).contains("<option value=\"four-blocks\">four-blocks (registered)</option>");
    String page = get("/datasets", viewer).body();
    assertThat(page).contains("id=\"dataset-four-blocks\"").contains(sha.substring(0, 12));
  }

  @Test
  void a_dataset_no_experiment_uses_is_deleted_with_its_files() throws Exception {
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("c"), 60, 20, 10, 3));
    HttpResponse<String> added = add("short-lived", 10, archive, user);
    String sha = Json.mapper().readTree(added.body()).get("sha256").asString();
    assertThat(delete("short-lived", user).statusCode()).isEqualTo(204);
    assertThat(get("/api/v1/datasets/short-lived", user).statusCode()).isEqualTo(404);
    assertThat(home.resolve("datasets").resolve(sha)).doesNotExist();
  }

  private byte[] corrupt(String name, Consumer<Path> damage) {
    Path dir = SyntheticIdx.write(work.resolve(name), 100, 30, 10, name.hashCode());
    damage.accept(dir);
    return SyntheticIdx.tar(dir);
  }

  private void assertRefused(byte[] archive, int status, String saying) throws Exception {
    HttpResponse<String> response = add("refused-" + System.nanoTime() % 100000, 10, archive, user);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(response.body()).contains(saying);
  }

  private long count() {
    return jdbc.sql("SELECT COUNT(*) FROM registered_dataset").query(Long.class).single();
  }

  private HttpResponse<String> add(String name, int classes, byte[] archive, String token)
      throws Exception {
    return send(
        request("/api/v1/datasets?name=" + name + "&classes=" + classes, token)
            .header("Content-Type", "application/x-tar")
            .POST(BodyPublishers.ofByteArray(archive)));
  }

  private HttpResponse<String> submit(String json) throws Exception {
    return send(
        request("/api/v1/experiments", user)
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json)));
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return send(request(path, token).GET());
  }

  private HttpResponse<String> delete(String name, String token) throws Exception {
    return send(request("/api/v1/datasets/" + name, token).DELETE());
  }

  private HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private static void patch(Path file, int offset, byte value) {
    byte[] bytes = read(file);
    bytes[offset] = value;
    write(file, bytes);
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
