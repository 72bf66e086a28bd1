package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.worker.run.RunArtifact;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * Who may export and import, and what a bad file gets: with authentication on, a viewer exports but
 * cannot import; a damaged, truncated, foreign, wrong-version or tampered file is a 400 that says
 * what is wrong and stores nothing; the same file twice is a 409 naming the first import. No
 * training: the exported experiment's trials are still queued (no worker), so they arrive
 * cancelled.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ExperimentTransferAuthTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.auth.enabled", () -> "true");
    properties.add("digitlab.limits.import-wait", () -> "1s");
    properties.add("digitlab.limits.import-upload-time", () -> "2s");
    properties.add("digitlab.limits.max-import-size", () -> "4MB");
  }

  private static final String EXPERIMENT =
      """
      {"name": "travelling", "dataset": "mnist", "tags": ["moved"],
       "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01},
       "search": {"type": "grid", "parameters": {"batchSize": [64, 128]}}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;
  @Autowired JdbcClient jdbc;
  @Autowired ServerIdentity identity;
  @Autowired TrialDirectories directories;

  String user;
  String viewer;

  @BeforeEach
  void tokens() {
    user = tokens.create("alice-" + System.nanoTime(), Role.USER).secret();
    viewer = tokens.create("dashboard-" + System.nanoTime(), Role.VIEWER).secret();
  }

  /**
   * Session 11's outside attack made imports run one at a time (each holds its file and every
   * unpacked entry in memory), and the slot was taken before the body was read: a user sending a
   * body slowly held it, and every other import got a 503. The body is now received into a file
   * first: while one client trickles its bytes, another import is stored; the trickler gets a 408
   * once {@code digitlab.limits.import-upload-time} (2 s here) has passed, and its file is gone.
   */
  @Test
  void a_slow_sender_holds_up_no_other_import_and_gets_a_408() throws Exception {
    byte[] export =
        Archives.fromAnotherServer(get("/api/v1/experiments/" + submit() + "/export", user).body());
    try (Socket slow = new Socket("127.0.0.1", port)) {
      slow.setSoTimeout(30_000);
      OutputStream out = slow.getOutputStream();
      out.write(
          ("POST /api/v1/experiments/import HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer "
                  + user
                  + "\r\nContent-Type: application/gzip\r\nContent-Length: 100000\r\n\r\n"
                  + "\u001f")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();

      HttpResponse<String> other = importFile(export, user);
      assertThat(other.statusCode()).as(other.body()).isEqualTo(201);

      // A byte every 100 ms until the server answers (at most 30 s of it).
      CompletableFuture<String> answer =
          CompletableFuture.supplyAsync(() -> answerOf(slow, "import-upload-time"));
      try {
        for (int i = 0; i < 300 && !answer.isDone(); i++) {
          out.write(0);
          out.flush();
          Thread.sleep(100);
        }
      } catch (IOException closed) {
        // The server answered and closed the connection between two bytes.
      }
      String text = answer.get(30, TimeUnit.SECONDS);
      assertThat(text).startsWith("HTTP/1.1 408").contains("digitlab.limits.import-upload-time");
    }
    assertThat(filesIn(transferFiles())).isEmpty();
  }

  /** A body over {@code digitlab.limits.max-import-size} (4 MB here) sent chunked: 413, no file. */
  @Test
  void a_chunked_body_over_the_import_size_is_a_413_and_leaves_no_file() throws Exception {
    byte[] body = new byte[5 << 20];
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/api/v1/experiments/import"))
                .header("Authorization", "Bearer " + user)
                .header("Content-Type", "application/gzip")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(response.body()).contains("digitlab.limits.max-import-size");
    assertThat(filesIn(transferFiles())).isEmpty();
  }

  /**
   * An export is written to the client as it is made, never held whole in memory (a few viewers
   * exporting a large experiment at once could exhaust the heap): while the client has read only
   * the archive's first bytes, a file it carries later is still to be read. That file changing then
   * (a running trial rewriting its checkpoint) cannot be sent as the manifest, already sent, says:
   * the download breaks, rather than ending as an archive that looks whole. Unchanged, the same
   * export arrives whole, every file in it.
   */
  @Test
  void an_export_is_streamed_and_a_file_changed_meanwhile_breaks_the_download() throws Exception {
    long id = importedWithAttempts();
    List<Long> trials =
        jdbc.sql("SELECT id FROM trial WHERE experiment_id = :id ORDER BY ordinal")
            .param("id", id)
            .query(Long.class)
            .list();
    Random random = new Random(12);
    // Incompressible, and larger than what the sockets between server and client buffer.
    byte[] large = new byte[48 << 20];
    random.nextBytes(large);
    byte[] small = new byte[1 << 20];
    random.nextBytes(small);
    Path first = modelFile(trials.get(0));
    Path later = modelFile(trials.get(1));
    Files.write(first, large);
    Files.write(later, small);

    HttpResponse<InputStream> response =
        get("/api/v1/experiments/" + id + "/export", viewer, BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (InputStream download = response.body()) {
      assertThat(download.readNBytes(64 << 10)).hasSize(64 << 10);
      byte[] changed = small.clone();
      changed[0] ^= 1;
      Files.write(later, changed);
      assertThatThrownBy(() -> download.transferTo(OutputStream.nullOutputStream()))
          .isInstanceOf(IOException.class);
    }

    Map<String, byte[]> whole =
        Archives.entries(get("/api/v1/experiments/" + id + "/export", viewer).body());
    assertThat(whole.get("trials/0/attempt-1/model.dlm")).isEqualTo(large);
    assertThat(whole.get("trials/1/attempt-1/model.dlm")).isNotEqualTo(small).hasSize(1 << 20);
  }

  /** An imported copy of a new experiment whose two trials each ran one attempt. */
  private long importedWithAttempts() throws Exception {
    Map<String, byte[]> entries =
        new LinkedHashMap<>(
            Archives.entries(
                Archives.fromAnotherServer(
                    get("/api/v1/experiments/" + submit() + "/export", user).body())));
    for (String trial : new String[] {"trials/0/trial.json", "trials/1/trial.json"}) {
      ObjectNode json = (ObjectNode) Json.mapper().readTree(entries.get(trial));
      json.put("attempt", 1);
      entries.put(trial, json.toString().getBytes(StandardCharsets.UTF_8));
    }
    HttpResponse<String> imported =
        importFile(Archives.withManifest(entries, "digitlab-experiment", 2), user);
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    return Json.mapper().readTree(imported.body()).get("id").asLong();
  }

  private Path modelFile(long trialId) throws IOException {
    Path folder = directories.of(trialId).resolve("attempt-1");
    Files.createDirectories(folder);
    return folder.resolve(RunArtifact.MODEL.fileName());
  }

  /** What the server answers on {@code socket}, read until it names {@code until} or closes. */
  private static String answerOf(Socket socket, String until) {
    StringBuilder text = new StringBuilder();
    try {
      InputStream in = socket.getInputStream();
      for (int b; !text.toString().contains(until) && (b = in.read()) >= 0; ) {
        text.append((char) b);
      }
    } catch (IOException e) {
      // Closed: what came is the answer.
    }
    return text.toString();
  }

  /** Where imports receive their bodies and exports spool their JSON ({@code TransferSpace}). */
  private static Path transferFiles() {
    return home.resolve("tmp").resolve("transfer");
  }

  private static List<Path> filesIn(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files.toList();
    }
  }

  @Test
  void a_viewer_exports_but_may_not_import_and_a_user_imports_once() throws Exception {
    long id = submit();
    HttpResponse<byte[]> export = get("/api/v1/experiments/" + id + "/export", viewer);
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Type")).hasValue("application/gzip");
    // Moved as if from another server: an export of this server's own live experiment is that
    // experiment (see an_export_brought_back_to_the_server_it_was_made_on_is_that_experiment).
    byte[] file = Archives.fromAnotherServer(export.body());
    assertThat(get("/api/v1/experiments/" + id + "/export", null).statusCode()).isEqualTo(401);

    // The pages as the API: the Export link for every reader, the Import form for writers only.
    String experimentPage =
        new String(get("/experiments/" + id, viewer).body(), StandardCharsets.UTF_8);
    assertThat(experimentPage).contains("id=\"export-link\"");
    assertThat(new String(get("/", viewer).body(), StandardCharsets.UTF_8))
        .doesNotContain("import-experiment");
    assertThat(new String(get("/", user).body(), StandardCharsets.UTF_8))
        .contains("import-experiment");
    assertThat(new String(get("/pipelines", viewer).body(), StandardCharsets.UTF_8))
        .doesNotContain("import-pipeline");
    assertThat(new String(get("/pipelines", user).body(), StandardCharsets.UTF_8))
        .contains("import-pipeline")
        .contains("data-upload=\"/api/v1/pipelines/import\"");

    int before = experimentCount();
    HttpResponse<String> refused = importFile(file, viewer);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(importFile(file, null).statusCode()).isEqualTo(401);
    assertThat(experimentCount()).isEqualTo(before);

    HttpResponse<String> imported = importFile(file, user);
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    long copy = Json.mapper().readTree(imported.body()).get("id").asLong();
    assertThat(copy).isNotEqualTo(id);
    JsonNode shown =
        Json.mapper()
            .readTree(
                new String(
                    get("/api/v1/experiments/" + copy, viewer).body(), StandardCharsets.UTF_8));
    assertThat(shown.get("name").asString()).isEqualTo("travelling");
    assertThat(shown.get("trials")).hasSize(2);
    for (JsonNode trial : shown.get("trials")) {
      // Queued where it was exported; nothing runs an imported trial, so it arrives stopped.
      assertThat(trial.get("status").asString()).isEqualTo("cancelled");
    }
    assertThat(
            jdbc.sql("SELECT COUNT(*) FROM trial WHERE experiment_id = :id AND kind = 'imported'")
                .param("id", copy)
                .query(Integer.class)
                .single())
        .isEqualTo(2);

    long importedTrial = shown.get("trials").get(0).get("id").asLong();
    HttpResponse<String> retry =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://localhost:" + port + "/api/v1/trials/" + importedTrial + "/retry"))
                .header("Authorization", "Bearer " + user)
                .POST(BodyPublishers.noBody())
                .build(),
            BodyHandlers.ofString());
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(409);
    assertThat(retry.body()).contains("imported from another server");

    int afterFirst = experimentCount();
    HttpResponse<String> again = importFile(file, user);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("imported already, as experiment " + copy);
    assertThat(experimentCount()).isEqualTo(afterFirst);

    // An export of the imported copy is a file of its own (another digest), but the same
    // experiment: it says which archive the copy came from, and importing it is a 409 naming the
    // copy. An experiment made here says nothing of the kind.
    assertThat(new String(Archives.entries(file).get("experiment.json"), StandardCharsets.UTF_8))
        .doesNotContain("importedFrom");
    HttpResponse<byte[]> reexport = get("/api/v1/experiments/" + copy + "/export", viewer);
    assertThat(reexport.statusCode()).isEqualTo(200);
    assertThat(
            new String(
                Archives.entries(reexport.body()).get("experiment.json"), StandardCharsets.UTF_8))
        .contains("importedFrom");
    HttpResponse<String> reimported = importFile(reexport.body(), user);
    assertThat(reimported.statusCode()).as(reimported.body()).isEqualTo(409);
    assertThat(reimported.body()).contains("as experiment " + copy);
    assertThat(experimentCount()).isEqualTo(afterFirst);
    // importedFrom is kept and carried: anything but digests is refused.
    Map<String, byte[]> forged = new LinkedHashMap<>(Archives.entries(reexport.body()));
    ObjectNode forgedExperiment =
        (ObjectNode) Json.mapper().readTree(forged.get("experiment.json"));
    forgedExperiment.putArray("importedFrom").add("../x");
    forged.put("experiment.json", Json.mapper().writeValueAsBytes(forgedExperiment));
    HttpResponse<String> refusedForgery =
        importFile(Archives.withManifest(forged, "digitlab-experiment", 2), user);
    assertThat(refusedForgery.statusCode()).as(refusedForgery.body()).isEqualTo(400);
    assertThat(refusedForgery.body()).contains("importedFrom");
    assertThat(experimentCount()).isEqualTo(afterFirst);
  }

  /**
   * The attack: a user who may import crafts an archive whose importedFrom lists the digest of a
   * genuine archive A (they have seen A, or its digest), and imports it first, to make A a 409 for
   * ever. Only what this server verified counts: the crafted claim is kept as a claim of its own
   * experiment, A still imports, and a crafted claim of an archive that is here makes only the
   * crafted file a 409.
   */
  @Test
  void a_crafted_imported_from_cannot_pre_empt_the_import_of_another_archive() throws Exception {
    byte[] genuine = Archives.fromAnotherServer(exportOf(submit()));
    String genuineDigest = Archives.digest(genuine);
    String attacker = tokens.create("mallory-" + System.nanoTime(), Role.USER).secret();
    byte[] crafted = claiming(exportOf(submit()), genuineDigest);

    HttpResponse<String> craftedImport = importFile(crafted, attacker);
    assertThat(craftedImport.statusCode()).as(craftedImport.body()).isEqualTo(201);
    long craftedCopy = Json.mapper().readTree(craftedImport.body()).get("id").asLong();

    int before = experimentCount();
    HttpResponse<String> genuineImport = importFile(genuine, user);
    assertThat(genuineImport.statusCode()).as(genuineImport.body()).isEqualTo(201);
    long genuineCopy = Json.mapper().readTree(genuineImport.body()).get("id").asLong();
    assertThat(genuineCopy).isNotEqualTo(craftedCopy);
    assertThat(experimentCount()).isEqualTo(before + 1);
    // A is the import of record of its digest now, not the crafted copy.
    assertThat(
            jdbc.sql("SELECT experiment_id FROM imported_archive WHERE digest = :digest")
                .param("digest", genuineDigest)
                .query(Long.class)
                .single())
        .isEqualTo(genuineCopy);

    // Once A is here, a crafted claim of it makes only the crafted file a 409.
    byte[] latecomer = claiming(exportOf(submit()), genuineDigest);
    int afterGenuine = experimentCount();
    HttpResponse<String> refused = importFile(latecomer, attacker);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    assertThat(refused.body()).contains("as experiment " + genuineCopy);
    assertThat(experimentCount()).isEqualTo(afterGenuine);
    // And A again is the same 409 as ever.
    assertThat(importFile(genuine, user).body())
        .contains("imported already, as experiment " + genuineCopy);
  }

  /**
   * An export names this server and the experiment; brought back here while that experiment exists
   * (directly, or as the re-export of a copy made elsewhere) it is a 409 naming it, with nothing
   * stored; {@code ?copy=true} stores a copy anyway. An archive without origin.json (written before
   * servers had an id) imports as before; a malformed one is a 400 naming it.
   */
  @Test
  void an_export_brought_back_to_the_server_it_was_made_on_is_that_experiment() throws Exception {
    long id = submit();
    byte[] file = exportOf(id);
    JsonNode origin = Json.mapper().readTree(Archives.entries(file).get("origin.json"));
    assertThat(origin).hasSize(1);
    assertThat(origin.get(0).get("server").asString()).isEqualTo(identity.id());
    assertThat(origin.get(0).get("experiment").asLong()).isEqualTo(id);

    int before = experimentCount();
    HttpResponse<String> back = importFile(file, user);
    assertThat(back.statusCode()).as(back.body()).isEqualTo(409);
    assertThat(back.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(back.body())
        .contains("export of experiment " + id)
        .contains("lives on this server")
        .contains("copy=true");

    // The way back from another server: a copy there, re-exported, names both servers.
    Map<String, byte[]> travelled = new LinkedHashMap<>(Archives.entries(file));
    travelled.put(
        "origin.json",
        ("[{\"server\": \""
                + identity.id()
                + "\", \"experiment\": "
                + id
                + "}, {\"server\": \""
                + Archives.ANOTHER_SERVER
                + "\", \"experiment\": 77}]")
            .getBytes(StandardCharsets.UTF_8));
    ObjectNode experiment = (ObjectNode) Json.mapper().readTree(travelled.get("experiment.json"));
    experiment.putArray("importedFrom").add(Archives.digest(file));
    travelled.put("experiment.json", Json.mapper().writeValueAsBytes(experiment));
    byte[] reexport = Archives.withManifest(travelled, "digitlab-experiment", 2);
    HttpResponse<String> home = importFile(reexport, user);
    assertThat(home.statusCode()).as(home.body()).isEqualTo(409);
    assertThat(home.body()).contains("export of experiment " + id);
    assertThat(experimentCount()).isEqualTo(before);

    // Bad origins: a 400 naming the entry, nothing stored.
    Map<String, byte[]> bad = new LinkedHashMap<>(Archives.entries(file));
    bad.put("origin.json", "[{\"server\": \"../x\", \"experiment\": 1}]".getBytes());
    assertRefused(Archives.withManifest(bad, "digitlab-experiment", 2), "origin.json");
    bad.put("origin.json", "{\"server\": 1}".getBytes());
    assertRefused(Archives.withManifest(bad, "digitlab-experiment", 2), "origin.json");
    assertThat(experimentCount()).isEqualTo(before);

    // Asked for, a copy is stored; its export still names where it was made.
    HttpResponse<String> copied = importFile(file, user, "?copy=true");
    assertThat(copied.statusCode()).as(copied.body()).isEqualTo(201);
    long copy = Json.mapper().readTree(copied.body()).get("id").asLong();
    JsonNode copyOrigin =
        Json.mapper().readTree(Archives.entries(exportOf(copy)).get("origin.json"));
    assertThat(copyOrigin).hasSize(2);
    assertThat(copyOrigin.get(0).get("experiment").asLong()).isEqualTo(id);
    assertThat(copyOrigin.get(1).get("experiment").asLong()).isEqualTo(copy);
    assertThat(importFile(exportOf(copy), user).statusCode()).isEqualTo(409);

    // Written before servers had an id: imported as before.
    Map<String, byte[]> older = new LinkedHashMap<>(Archives.entries(file));
    older.remove("origin.json");
    HttpResponse<String> old =
        importFile(Archives.withManifest(older, "digitlab-experiment", 2), user);
    assertThat(old.statusCode()).as(old.body()).isEqualTo(201);
    assertThat(experimentCount()).isEqualTo(before + 2);
  }

  /**
   * A pipeline export names this server and the run, in the same origin.json as an experiment's;
   * brought back here while the run exists it is a 409 naming it, with nothing stored; {@code
   * ?copy=true} stores a copy anyway. An export without origin.json (written before) imports as
   * before; a malformed one is a 400 naming it.
   */
  @Test
  void a_pipeline_export_brought_back_to_the_server_it_was_made_on_is_that_run() throws Exception {
    long run = submitPipeline();
    HttpResponse<byte[]> export = get("/api/v1/pipelines/" + run + "/export", viewer);
    assertThat(export.statusCode()).isEqualTo(200);
    byte[] file = export.body();
    JsonNode origin = Json.mapper().readTree(Archives.entries(file).get("origin.json"));
    assertThat(origin).hasSize(1);
    assertThat(origin.get(0).get("server").asString()).isEqualTo(identity.id());
    assertThat(origin.get(0).get("pipelineRun").asLong()).isEqualTo(run);

    int before = pipelineCount();
    HttpResponse<String> back = send("/api/v1/pipelines/import", file, user);
    assertThat(back.statusCode()).as(back.body()).isEqualTo(409);
    assertThat(back.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(back.body())
        .contains("export of pipeline run " + run + " ")
        .contains("lives on this server")
        .contains("copy=true");
    assertThat(pipelineCount()).isEqualTo(before);

    // Bad origins: a 400 naming the entry, nothing stored.
    Map<String, byte[]> bad = new LinkedHashMap<>(Archives.entries(file));
    bad.put("origin.json", "[{\"server\": \"../x\", \"pipelineRun\": 1}]".getBytes());
    HttpResponse<String> refused =
        send("/api/v1/pipelines/import", Archives.withManifest(bad, "digitlab-pipeline", 1), user);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("origin.json");
    assertThat(pipelineCount()).isEqualTo(before);

    // Asked for, a copy is stored.
    HttpResponse<String> copied = send("/api/v1/pipelines/import?copy=true", file, user);
    assertThat(copied.statusCode()).as(copied.body()).isEqualTo(201);
    assertThat(Json.mapper().readTree(copied.body()).get("id").asLong()).isNotEqualTo(run);

    // Written before servers named themselves in pipeline exports: imported as before.
    Map<String, byte[]> older = new LinkedHashMap<>(Archives.entries(file));
    older.remove("origin.json");
    HttpResponse<String> old =
        send(
            "/api/v1/pipelines/import", Archives.withManifest(older, "digitlab-pipeline", 1), user);
    assertThat(old.statusCode()).as(old.body()).isEqualTo(201);
    assertThat(pipelineCount()).isEqualTo(before + 2);
  }

  /**
   * A problem inside the experiment a pipeline export carries for a command step names the entry by
   * its path in the pipeline's archive ({@code experiments/STEP/…}), so it can be found there;
   * nothing is stored.
   */
  @Test
  void a_problem_in_a_carried_experiment_names_its_path_in_the_pipeline_archive() throws Exception {
    long run = submitPipeline();
    Map<String, byte[]> entries =
        new LinkedHashMap<>(
            Archives.entries(get("/api/v1/pipelines/" + run + "/export", user).body()));
    ObjectNode document = (ObjectNode) Json.mapper().readTree(entries.get("pipeline.json"));
    ((ObjectNode) document.get("steps").get(0)).put("type", "command");
    entries.put("pipeline.json", Json.mapper().writeValueAsBytes(document));
    Archives.entries(exportOf(submit()))
        .forEach(
            (path, bytes) -> {
              if (!path.equals("manifest.json")) {
                entries.put("experiments/train/" + path, bytes);
              }
            });
    entries.put("experiments/train/trials/0/trial.json", "{".getBytes(StandardCharsets.UTF_8));
    entries.put("origin.json", "[]".getBytes(StandardCharsets.UTF_8));
    int pipelines = pipelineCount();
    int experiments = experimentCount();

    HttpResponse<String> refused =
        send(
            "/api/v1/pipelines/import",
            Archives.withManifest(entries, "digitlab-pipeline", 1),
            user);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(refused.body()).contains("has a experiments/train/trials/0/trial.json ");
    assertThat(pipelineCount()).isEqualTo(pipelines);
    assertThat(experimentCount()).isEqualTo(experiments);
  }

  private long submitPipeline() throws Exception {
    HttpResponse<String> submitted =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/pipelines"))
                .header("Authorization", "Bearer " + user)
                .header("Content-Type", "application/yaml")
                .POST(
                    BodyPublishers.ofString(
                        """
                        name: travelling-run
                        steps:
                          - {name: train, type: train,
                             parameters: {dataset: mnist, model: mlp, epochs: 1, seed: 1}}
                        """))
                .build(),
            BodyHandlers.ofString());
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    return Json.mapper().readTree(submitted.body()).get("id").asLong();
  }

  private int pipelineCount() {
    return jdbc.sql("SELECT COUNT(*) FROM pipeline_run").query(Integer.class).single();
  }

  /** The export with experiment.json's importedFrom set to {@code digest}, from another server. */
  private static byte[] claiming(byte[] export, String digest) throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>(Archives.entries(export));
    ObjectNode experiment = (ObjectNode) Json.mapper().readTree(entries.get("experiment.json"));
    experiment.putArray("importedFrom").add(digest);
    entries.put("experiment.json", Json.mapper().writeValueAsBytes(experiment));
    return Archives.fromAnotherServer(Archives.withManifest(entries, "digitlab-experiment", 2));
  }

  private byte[] exportOf(long id) throws Exception {
    HttpResponse<byte[]> export = get("/api/v1/experiments/" + id + "/export", user);
    assertThat(export.statusCode()).isEqualTo(200);
    return export.body();
  }

  @Test
  void a_damaged_truncated_foreign_or_tampered_file_is_refused_and_stores_nothing()
      throws Exception {
    long id = submit();
    byte[] file = get("/api/v1/experiments/" + id + "/export", user).body();
    Map<String, byte[]> entries = Archives.entries(file);
    assertThat(entries).containsKeys("manifest.json", "experiment.json", "models.json");
    int before = experimentCount();
    int trialsBefore = trialCount();
    int archivesBefore =
        jdbc.sql("SELECT COUNT(*) FROM imported_archive").query(Integer.class).single();

    assertRefused(Arrays.copyOf(file, file.length / 2), "damaged or truncated");
    byte[] flipped = file.clone();
    flipped[flipped.length / 2] ^= 0x5a;
    assertRefused(flipped, "");
    assertRefused("not an export at all".getBytes(StandardCharsets.UTF_8), "damaged");

    Map<String, byte[]> noManifest = new LinkedHashMap<>(entries);
    noManifest.remove("manifest.json");
    assertRefused(Archives.pack(noManifest), "has no manifest.json");

    assertRefused(
        Archives.withManifest(entries, "something-else", 2), "format is 'something-else'");
    assertRefused(Archives.withManifest(entries, "digitlab-experiment", 99), "version 99");

    // Changed contents under the original manifest: the digest no longer matches.
    Map<String, byte[]> tampered = new LinkedHashMap<>(entries);
    tampered.put(
        "experiment.json",
        new String(entries.get("experiment.json"), StandardCharsets.UTF_8)
            .replace("travelling", "travelled")
            .getBytes(StandardCharsets.UTF_8));
    assertRefused(Archives.pack(tampered), "do not match the sha256 in its manifest");

    Map<String, byte[]> extra = new LinkedHashMap<>(entries);
    extra.put("trials/0/attempt-1/model.dlm", new byte[] {1, 2, 3});
    assertRefused(Archives.pack(extra), "which its manifest does not list");

    // An event that cannot be read, under a manifest made for it: the contents are checked too.
    Map<String, byte[]> badEvent = new LinkedHashMap<>(entries);
    badEvent.put(
        "trials/1/events.json",
        "[{\"attempt\": 1, \"seq\": 1, \"type\": \"metric\", \"payload\": \"{not json\"}]"
            .getBytes(StandardCharsets.UTF_8));
    assertRefused(Archives.withManifest(badEvent, "digitlab-experiment", 2), "cannot be read");

    // Entries whose names or kinds would leave the folder they unpack to.
    assertRefused(Archives.withRawEntry(entries, "../../evil", '0'), "climbs out with '..'");
    assertRefused(Archives.withRawEntry(entries, "/etc/passwd", '0'), "not a relative path");
    assertRefused(Archives.withRawEntry(entries, "trials/0/link", '2'), "symbolic link");
    assertRefused(Archives.withRawEntry(entries, "trials/0/hard", '1'), "hard link");

    assertThat(experimentCount()).isEqualTo(before);
    assertThat(trialCount()).isEqualTo(trialsBefore);
    assertThat(jdbc.sql("SELECT COUNT(*) FROM imported_archive").query(Integer.class).single())
        .isEqualTo(archivesBefore);
    try (var listing = Files.list(home.resolve("trials"))) {
      assertThat(listing.toList()).isEmpty();
    } catch (java.nio.file.NoSuchFileException e) {
      // no trial folder was ever made: nothing stored either
    }
  }

  @Test
  void an_output_file_travels_and_a_tampered_or_escaping_one_is_refused() throws Exception {
    long id = submit();
    Map<String, byte[]> entries =
        Archives.entries(
            Archives.fromAnotherServer(get("/api/v1/experiments/" + id + "/export", user).body()));
    byte[] output = "alpha,prediction\n0.5,7\n".getBytes(StandardCharsets.UTF_8);
    int before = experimentCount();
    int trialsBefore = trialCount();

    // A command trial's output file whose bytes are not the ones its trial.json describes, under
    // a manifest made for them (so only the trial's own digest can tell).
    byte[] changed = "alpha,prediction\n0.5,1\n".getBytes(StandardCharsets.UTF_8);
    assertRefused(
        withOutput(entries, "predictions.csv", 1, output, "predictions.csv", changed),
        "do not match its sha256 or size");
    // Names that would climb out of the trial's outputs folder, or name a folder in it.
    for (String name : new String[] {"../../../../evil", "../attempt-2/model.dlm", "a/b"}) {
      assertRefused(
          withOutput(entries, name, 1, output, "predictions.csv", output), "is not a file name");
    }
    assertRefused(
        withOutput(entries, "predictions.csv", 3, output, "predictions.csv", output),
        "past its last attempt 1");
    // The entry itself escaping, in the tar: refused by the reader before any JSON is looked at.
    assertRefused(
        Archives.withRawEntry(entries, "trials/0/attempt-1/outputs/../../../../evil", '0'),
        "climbs out with '..'");
    assertThat(experimentCount()).isEqualTo(before);
    assertThat(trialCount()).isEqualTo(trialsBefore);

    // The same archive made rightly: imported, and the trial serves the file's bytes.
    HttpResponse<String> imported =
        importFile(
            withOutput(entries, "predictions.csv", 1, output, "predictions.csv", output), user);
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    long copy = Json.mapper().readTree(imported.body()).get("id").asLong();
    JsonNode shown = Json.mapper().readTree(get("/api/v1/experiments/" + copy, viewer).body());
    long trial = shown.get("trials").get(0).get("id").asLong();
    HttpResponse<byte[]> served =
        get("/api/v1/trials/" + trial + "/artifacts/predictions.csv", viewer);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body()).isEqualTo(output);
  }

  /**
   * The export with trial 0 made a command trial of one attempt whose trial.json lists an output
   * file {@code listed} of {@code attempt} with the digest and size of {@code described}, and whose
   * entry {@code outputs/stored} holds {@code bytes}; under a manifest made for it all.
   */
  private static byte[] withOutput(
      Map<String, byte[]> entries,
      String listed,
      int attempt,
      byte[] described,
      String stored,
      byte[] bytes)
      throws Exception {
    Map<String, byte[]> changed = new LinkedHashMap<>(entries);
    ObjectNode trial = (ObjectNode) Json.mapper().readTree(entries.get("trials/0/trial.json"));
    trial.put("attempt", 1);
    trial
        .putArray("artifacts")
        .addObject()
        .put("name", listed)
        .put("attempt", attempt)
        .put("sha256", Digests.sha256(described))
        .put("kind", "output")
        .put("bytes", described.length);
    changed.put("trials/0/trial.json", trial.toString().getBytes(StandardCharsets.UTF_8));
    changed.put("trials/0/attempt-" + attempt + "/outputs/" + stored, bytes);
    return Archives.withManifest(changed, "digitlab-experiment", 2);
  }

  @Test
  void a_version_1_file_is_still_read() throws Exception {
    long id = submit();
    Map<String, byte[]> entries =
        Archives.entries(get("/api/v1/experiments/" + id + "/export", user).body());
    ObjectNode document = Json.mapper().createObjectNode();
    document.put("format", "digitlab-experiment");
    document.put("version", 1);
    document.put("exportedAt", "2026-01-01T00:00:00Z");
    document.set("experiment", Json.mapper().readTree(entries.get("experiment.json")));
    var trials = document.putArray("trials");
    for (int ordinal = 0; entries.containsKey("trials/" + ordinal + "/trial.json"); ordinal++) {
      ObjectNode trial =
          (ObjectNode) Json.mapper().readTree(entries.get("trials/" + ordinal + "/trial.json"));
      trial.set(
          "events", Json.mapper().readTree(entries.get("trials/" + ordinal + "/events.json")));
      trials.add(trial);
    }
    assertThat(trials).hasSize(2);
    HttpResponse<String> imported = importFile(gzip(document.toString()), user);
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    assertThat(importFile(gzip(document.toString()), user).statusCode()).isEqualTo(409);
    ObjectNode future = document.deepCopy();
    future.put("version", 99);
    assertRefused(gzip(future.toString()), "version 99");
  }

  private void assertRefused(byte[] file, String saying) throws Exception {
    HttpResponse<String> response = importFile(file, user);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(response.body()).contains("The file ").contains(saying);
  }

  private int experimentCount() {
    return jdbc.sql("SELECT COUNT(*) FROM experiment").query(Integer.class).single();
  }

  private int trialCount() {
    return jdbc.sql("SELECT COUNT(*) FROM trial").query(Integer.class).single();
  }

  private long submit() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/experiments"))
                .header("Authorization", "Bearer " + user)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(EXPERIMENT))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.mapper().readTree(response.body()).get("id").asLong();
  }

  private HttpResponse<byte[]> get(String path, String token) throws Exception {
    return get(path, token, BodyHandlers.ofByteArray());
  }

  private <T> HttpResponse<T> get(String path, String token, HttpResponse.BodyHandler<T> body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), body);
  }

  private HttpResponse<String> importFile(byte[] file, String token) throws Exception {
    return importFile(file, token, "");
  }

  private HttpResponse<String> importFile(byte[] file, String token, String query)
      throws Exception {
    return send("/api/v1/experiments/import" + query, file, token);
  }

  private HttpResponse<String> send(String path, byte[] file, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Content-Type", "application/gzip")
            .POST(BodyPublishers.ofByteArray(file));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  static byte[] gunzip(byte[] file) throws Exception {
    try (var in = new GZIPInputStream(new ByteArrayInputStream(file))) {
      return in.readAllBytes();
    }
  }

  static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
