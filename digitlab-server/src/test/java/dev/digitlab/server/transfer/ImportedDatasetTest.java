package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.DigitLabServer;
import dev.digitlab.testing.SyntheticIdx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * An experiment trained on a registered dataset ({@code dataset: NAME}; its spec keeps the
 * dataset's digest) moved to a server that lacks that dataset: the export carries the dataset's
 * four files, and the import registers them under the same name and digest. An archive without them
 * is refused with a 409 naming the dataset, its digest and {@code digitlab data add}, and stores
 * nothing; a tampered dataset file is a 400; a server that has the dataset already imports either
 * archive without registering anything. Two real servers (no training: the trials are queued where
 * they are exported, and arrive cancelled).
 */
class ImportedDatasetTest {

  @TempDir Path exporterHome;
  @TempDir Path importerHome;
  @TempDir Path work;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_missing_dataset_comes_with_the_export_or_the_import_says_how_to_add_it() throws Exception {
    try (ConfigurableApplicationContext exporter = server(exporterHome);
        ConfigurableApplicationContext importer = server(importerHome)) {
      String a = base(exporter);
      String b = base(importer);
      byte[] dataset = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("d"), 120, 30, 10, 3));
      HttpResponse<String> added =
          send(
              HttpRequest.newBuilder(URI.create(a + "/api/v1/datasets?name=blocks&classes=10"))
                  .header("Content-Type", "application/x-tar")
                  .POST(BodyPublishers.ofByteArray(dataset)));
      assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
      String sha = Json.mapper().readTree(added.body()).get("sha256").asString();
      HttpResponse<String> submitted =
          post(
              a + "/api/v1/experiments",
              "application/json",
              ("{\"name\": \"on-blocks\", \"dataset\": \"blocks\","
                      + " \"config\": {\"model\": \"mlp\", \"epochs\": 1}}")
                  .getBytes());
      assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
      long id = Json.mapper().readTree(submitted.body()).get("id").asLong();
      byte[] file = bytes(a + "/api/v1/experiments/" + id + "/export");
      Map<String, byte[]> entries = Archives.entries(file);
      assertThat(entries)
          .containsKeys("dataset.json", "datasets/" + sha + "/" + SyntheticIdx.TRAIN_IMAGES);

      // Without the dataset's files, into a server that lacks it: refused, saying how to fix it.
      Map<String, byte[]> stripped = new LinkedHashMap<>(entries);
      stripped.keySet().removeIf(p -> p.equals("dataset.json") || p.startsWith("datasets/"));
      byte[] strippedFile = Archives.withManifest(stripped, "digitlab-experiment", 2);
      JdbcClient there = importer.getBean(JdbcClient.class);
      Counts before = Counts.of(there);
      HttpResponse<String> missing = importFile(b, strippedFile);
      assertThat(missing.statusCode()).as(missing.body()).isEqualTo(409);
      assertThat(missing.body())
          .contains("dataset 'blocks'")
          .contains(sha)
          .contains("digitlab data add blocks --dir")
          .contains("Nothing was stored");

      // A dataset file changed under a manifest made for it: its digest gives it away.
      Map<String, byte[]> tampered = new LinkedHashMap<>(entries);
      String labels = "datasets/" + sha + "/" + SyntheticIdx.TEST_LABELS;
      byte[] changed = tampered.get(labels).clone();
      changed[changed.length - 1] = (byte) ((changed[changed.length - 1] + 1) % 10);
      tampered.put(labels, changed);
      HttpResponse<String> bad =
          importFile(b, Archives.withManifest(tampered, "digitlab-experiment", 2));
      assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
      assertThat(bad.body()).contains("whose digest is not " + sha);
      assertThat(Counts.of(there)).isEqualTo(before);
      assertThat(datasetFolders(importerHome)).isEmpty();

      // The whole export: the dataset is registered there under its name and digest.
      HttpResponse<String> imported = importFile(b, file);
      assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
      long copy = Json.mapper().readTree(imported.body()).get("id").asLong();
      JsonNode registered = get(b + "/api/v1/datasets/blocks");
      JsonNode original = get(a + "/api/v1/datasets/blocks");
      for (String field : java.util.List.of("sha256", "files", "classes", "trainCount")) {
        assertThat(registered.get(field)).as(field).isEqualTo(original.get(field));
      }
      assertThat(get(b + "/api/v1/experiments/" + copy).get("spec"))
          .isEqualTo(get(a + "/api/v1/experiments/" + id).get("spec"));
      assertThat(importFile(b, file).statusCode()).isEqualTo(409);
      assertThat(datasetCount(there)).isEqualTo(1);

      // A server that has the dataset: either file imports, and no dataset is added. (It is the
      // server the experiment lives on, so a copy is asked for: else a 409 naming it.)
      JdbcClient here = exporter.getBean(JdbcClient.class);
      assertThat(importFile(a, strippedFile).statusCode()).isEqualTo(409);
      assertThat(importFile(a + "/api/v1/experiments/import?copy=true", strippedFile).statusCode())
          .isEqualTo(201);
      assertThat(importFile(a + "/api/v1/experiments/import?copy=true", file).statusCode())
          .isEqualTo(201);
      assertThat(datasetCount(here)).isEqualTo(1);

      // A server where the name holds other files: refused, naming both digests.
      assertThat(addDataset(a, "shapes", 3).statusCode()).isEqualTo(201);
      HttpResponse<String> theirs = addDataset(b, "shapes", 4);
      assertThat(theirs.statusCode()).isEqualTo(201);
      String otherSha = Json.mapper().readTree(theirs.body()).get("sha256").asString();
      HttpResponse<String> onShapes =
          post(
              a + "/api/v1/experiments",
              "application/json",
              ("{\"name\": \"on-shapes\", \"dataset\": \"shapes\","
                      + " \"config\": {\"model\": \"mlp\", \"epochs\": 1}}")
                  .getBytes());
      assertThat(onShapes.statusCode()).as(onShapes.body()).isEqualTo(201);
      byte[] shapesFile =
          bytes(
              a
                  + "/api/v1/experiments/"
                  + Json.mapper().readTree(onShapes.body()).get("id").asLong()
                  + "/export");
      Counts beforeShapes = Counts.of(there);
      HttpResponse<String> clash = importFile(b, shapesFile);
      assertThat(clash.statusCode()).as(clash.body()).isEqualTo(409);
      assertThat(clash.body()).contains("'shapes' here holds other files").contains(otherSha);
      assertThat(Counts.of(there)).isEqualTo(beforeShapes);
    }
  }

  /**
   * An import that fails late, inside its transaction (a model it carries has a name no model may
   * have: refused only when the registry stores it, after the code and the dataset were): its rows
   * roll back and the dataset folder and code file it stored go too, here and in no other server's
   * way; a server that had that dataset and code before keeps them.
   */
  @Test
  void a_late_failing_import_leaves_no_dataset_or_code_files_behind() throws Exception {
    try (ConfigurableApplicationContext exporter =
            server(exporterHome, "--digitlab.commands.allowed=true");
        ConfigurableApplicationContext importer = server(importerHome)) {
      String a = base(exporter);
      String b = base(importer);
      HttpResponse<String> added = addDataset(a, "held", 11);
      assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
      String sha = Json.mapper().readTree(added.body()).get("sha256").asString();
      Path program = Files.createDirectories(work.resolve("program"));
      Files.writeString(program.resolve("run.sh"), "echo metric score=1\n");
      Path packed = work.resolve("program.tar.gz");
      Process tar =
          new ProcessBuilder("tar", "-czf", packed.toString(), "-C", program.toString(), "run.sh")
              .inheritIO()
              .start();
      assertThat(tar.waitFor()).isZero();
      HttpResponse<String> uploaded =
          post(a + "/api/v1/code", "application/gzip", Files.readAllBytes(packed));
      assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
      String codeSha = Json.mapper().readTree(uploaded.body()).get("sha256").asString();
      // Two archives, each failing late: a command experiment carrying its code, and an
      // experiment carrying its registered dataset (a command experiment names no dataset).
      byte[] lateCode =
          withBadModel(
              submitAndExport(
                  a,
                  "application/yaml",
                  "name: program\ncommand: [sh, run.sh]\ncode: sha256:"
                      + codeSha
                      + "\nobjective: {metric: score, goal: max}\n"),
              "code/" + codeSha + ".tar.gz");
      byte[] lateDataset =
          withBadModel(
              submitAndExport(
                  a,
                  "application/json",
                  "{\"name\": \"on-held\", \"dataset\": \"held\","
                      + " \"config\": {\"model\": \"mlp\", \"epochs\": 1}}"),
              "dataset.json");

      JdbcClient there = importer.getBean(JdbcClient.class);
      Counts before = Counts.of(there);
      for (byte[] late : java.util.List.of(lateCode, lateDataset)) {
        HttpResponse<String> refused = importFile(b, late);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains("a model name is").contains("Not A Name");
      }
      assertThat(Counts.of(there)).isEqualTo(before);
      assertThat(count(there, "code_archive")).isZero();
      assertThat(datasetFolders(importerHome)).as("dataset files of the failed import").isEmpty();
      assertThat(codeFiles(importerHome)).as("code files of the failed import").isEmpty();

      // Where the dataset and the code were before, the same failures leave them be.
      JdbcClient here = exporter.getBean(JdbcClient.class);
      Counts beforeHere = Counts.of(here);
      // (A copy: they are exports of experiments that live here, else a 409 before any check.)
      String copyHere = a + "/api/v1/experiments/import?copy=true";
      assertThat(importFile(copyHere, lateCode).statusCode()).isEqualTo(400);
      assertThat(importFile(copyHere, lateDataset).statusCode()).isEqualTo(400);
      assertThat(Counts.of(here)).isEqualTo(beforeHere);
      assertThat(datasetFolders(exporterHome))
          .containsExactly(exporterHome.resolve("datasets").resolve(sha));
      assertThat(codeFiles(exporterHome))
          .containsExactly(exporterHome.resolve("code").resolve(codeSha + ".tar.gz"));
      assertThat(get(a + "/api/v1/datasets/held").get("sha256").asString()).isEqualTo(sha);
    }
  }

  /** Submits an experiment to {@code server} and returns its export's entries. */
  private Map<String, byte[]> submitAndExport(String server, String type, String body)
      throws Exception {
    HttpResponse<String> submitted = post(server + "/api/v1/experiments", type, body.getBytes());
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    long id = Json.mapper().readTree(submitted.body()).get("id").asLong();
    return Archives.entries(bytes(server + "/api/v1/experiments/" + id + "/export"));
  }

  /**
   * The export, which must hold {@code carried}, with a models.json whose one model has a name no
   * model may have: checked only when the registry stores it, inside the import's transaction.
   */
  private static byte[] withBadModel(Map<String, byte[]> entries, String carried) throws Exception {
    assertThat(entries).containsKey(carried);
    entries.put(
        "models.json",
        ("[{\"model\": \"Not A Name\", \"version\": 1, \"architecture\": \"mlp\","
                + " \"config\": \"{}\", \"preprocessing\": \"{}\", \"artifactSha256\":"
                + " \"00\", \"metrics\": \"{}\", \"status\": \"active\","
                + " \"createdAt\": \"2026-01-01T00:00:00Z\", \"aliases\": []}]")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return Archives.withManifest(entries, "digitlab-experiment", 2);
  }

  private static java.util.List<Path> codeFiles(Path home) throws Exception {
    Path root = home.resolve("code");
    if (!Files.isDirectory(root)) {
      return java.util.List.of();
    }
    try (Stream<Path> files = Files.list(root)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".tar.gz")).toList();
    }
  }

  /** Registers a synthetic dataset of 10 classes made from {@code seed}; the response. */
  private HttpResponse<String> addDataset(String server, String name, long seed) throws Exception {
    byte[] archive =
        SyntheticIdx.tar(SyntheticIdx.write(work.resolve(name + seed), 120, 30, 10, seed));
    return send(
        HttpRequest.newBuilder(URI.create(server + "/api/v1/datasets?name=" + name + "&classes=10"))
            .header("Content-Type", "application/x-tar")
            .POST(BodyPublishers.ofByteArray(archive)));
  }

  /** What a refused import must leave as it was. */
  private record Counts(long experiments, long trials, long archives, long datasets) {
    static Counts of(JdbcClient jdbc) {
      return new Counts(
          count(jdbc, "experiment"),
          count(jdbc, "trial"),
          count(jdbc, "imported_archive"),
          count(jdbc, "registered_dataset"));
    }
  }

  private static long count(JdbcClient jdbc, String table) {
    return jdbc.sql("SELECT COUNT(*) FROM " + table).query(Long.class).single();
  }

  private static long datasetCount(JdbcClient jdbc) {
    return count(jdbc, "registered_dataset");
  }

  /** The dataset folders kept under a home (by digest), staging folders aside. */
  private static java.util.List<Path> datasetFolders(Path home) throws Exception {
    Path root = home.resolve("datasets");
    if (!Files.isDirectory(root)) {
      return java.util.List.of();
    }
    try (Stream<Path> folders = Files.list(root)) {
      return folders.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).toList();
    }
  }

  private static ConfigurableApplicationContext server(Path home, String... more) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "--server.port=0", "--digitlab.home=" + home, "--digitlab.worker.slots=0"));
    args.addAll(java.util.List.of(more));
    return SpringApplication.run(DigitLabServer.class, args.toArray(String[]::new));
  }

  private static String base(ConfigurableApplicationContext server) {
    return "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
  }

  /** Imports into {@code server}, or posts to {@code server} when it is an import URL already. */
  private HttpResponse<String> importFile(String server, byte[] file) throws Exception {
    String url = server.contains("/import") ? server : server + "/api/v1/experiments/import";
    return post(url, "application/gzip", file);
  }

  private HttpResponse<String> post(String url, String type, byte[] body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", type)
            .POST(BodyPublishers.ofByteArray(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private byte[] bytes(String url) throws Exception {
    HttpResponse<byte[]> response =
        http.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }
}
