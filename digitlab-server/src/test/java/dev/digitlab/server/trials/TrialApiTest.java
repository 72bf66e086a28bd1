package dev.digitlab.server.trials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.MnistDataHome;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The trials API over real HTTP. A trial's run is played by the test: it claims the trial, appends
 * the events a worker would, writes the report files into the attempt's folder and completes it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class TrialApiTest {

  private static final Path DATA_HOME = MnistDataHome.PATH;

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    // Only read, for the test images; nothing is fetched.
    properties.add("digitlab.worker.data-home", DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "0");
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();
  private final List<Long> experimentIds = new ArrayList<>();

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired TrialQueue queue;
  @Autowired EventStore events;
  @Autowired TrialDirectories directories;

  @AfterEach
  void nothingStaysQueued() {
    // The queue is shared by the tests: leave no trial another test's claim could take.
    experimentIds.forEach(experiments::cancel);
  }

  @Test
  void metric_history_by_key_and_step_range_ordered_by_step() throws Exception {
    Lease lease = running();
    events.append(
        lease.trialId(),
        1,
        List.of(
            metric(1, "train_loss", 2.0, 10, 1),
            metric(2, "val_accuracy", 0.5, 20, 1),
            metric(3, "train_loss", 1.5, 20, 1),
            metric(4, "train_loss", 1.0, 30, 2),
            metric(5, "val_accuracy", 0.7, 40, 2),
            new NewEvent(6, EventType.LOG, log("INFO", "epoch 2"))));

    JsonNode all = getJson("/api/v1/trials/" + lease.trialId() + "/metrics");
    JsonNode some =
        getJson(
            "/api/v1/trials/"
                + lease.trialId()
                + "/metrics?keys=train_loss,absent&fromStep=15&toStep=30");

    assertThat(names(all)).containsExactly("train_loss", "val_accuracy");
    assertThat(points(all.get("train_loss")))
        .containsExactly(tuple(10L, 1, 2.0), tuple(20L, 1, 1.5), tuple(30L, 2, 1.0));
    // Each point says when the server stored it: the charts' wall-time axis (issue 19).
    all.get("train_loss")
        .forEach(
            p ->
                assertThat(java.time.Instant.parse(p.get("time").asString()))
                    .isBefore(java.time.Instant.now().plusSeconds(1)));
    assertThat(names(some)).containsExactly("absent", "train_loss");
    assertThat(some.get("absent")).isEmpty();
    assertThat(points(some.get("train_loss")))
        .containsExactly(tuple(20L, 1, 1.5), tuple(30L, 2, 1.0));
  }

  @Test
  void downsampled_metrics_keep_each_buckets_minimum_and_maximum() throws Exception {
    Lease lease = running();
    List<NewEvent> batch = new ArrayList<>();
    for (int step = 0; step < 1000; step++) {
      // Appended newest step first: the answer is still ordered by step.
      int s = 999 - step;
      batch.add(metric(step + 1, "train_loss", s == 500 ? 9.0 : 1.0 / (s + 1), s, 1));
    }
    events.append(lease.trialId(), 1, batch);

    JsonNode curve =
        getJson("/api/v1/trials/" + lease.trialId() + "/metrics?keys=train_loss&points=10")
            .get("train_loss");

    assertThat(curve.size()).isBetween(2, 10);
    List<Long> steps =
        StreamSupport.stream(curve.spliterator(), false).map(p -> p.get("step").asLong()).toList();
    assertThat(steps).isSorted();
    assertThat(StreamSupport.stream(curve.spliterator(), false).map(p -> p.get("value").asDouble()))
        .contains(9.0, 1.0, 0.001);
    assertThat(get("/api/v1/trials/" + lease.trialId() + "/metrics?points=1").statusCode())
        .isEqualTo(400);
    assertThat(
            get("/api/v1/trials/" + lease.trialId() + "/metrics?fromStep=5&toStep=4").statusCode())
        .isEqualTo(400);
  }

  /**
   * An experiment's page asked each trial for its curve (300 requests for 300 runs): one request
   * now answers for every trial of the experiment, with the same keys and points parameters.
   */
  @Test
  void an_experiments_curves_come_in_one_answer() throws Exception {
    Lease lease = running();
    long experimentId = trials.get(lease.trialId()).experimentId();
    events.append(
        lease.trialId(),
        1,
        List.of(
            metric(1, "train_loss", 2.0, 10, 1),
            metric(2, "val_accuracy", 0.5, 10, 1),
            metric(3, "train_loss", 1.0, 20, 1)));

    JsonNode all = getJson("/api/v1/experiments/" + experimentId + "/metrics?keys=train_loss");

    assertThat(names(all)).containsExactly(Long.toString(lease.trialId()));
    JsonNode curves = all.get(Long.toString(lease.trialId()));
    assertThat(names(curves)).containsExactly("train_loss");
    assertThat(points(curves.get("train_loss")))
        .containsExactly(tuple(10L, 1, 2.0), tuple(20L, 1, 1.0));
    assertThat(get("/api/v1/experiments/" + experimentId + "/metrics?points=1").statusCode())
        .isEqualTo(400);
    assertThat(get("/api/v1/experiments/999999/metrics").statusCode()).isEqualTo(404);
  }

  @Test
  void the_log_is_read_a_page_at_a_time_by_seq() throws Exception {
    Lease lease = running();
    events.append(
        lease.trialId(),
        1,
        List.of(
            new NewEvent(1, EventType.LOG, log("INFO", "one")),
            metric(2, "train_loss", 1, 1, 1),
            new NewEvent(3, EventType.LOG, log("WARN", "two")),
            new NewEvent(4, EventType.LOG, log("ERROR", "three"))));

    JsonNode first = getJson("/api/v1/trials/" + lease.trialId() + "/logs?limit=2");
    JsonNode rest =
        getJson(
            "/api/v1/trials/"
                + lease.trialId()
                + "/logs?afterSeq="
                + first.get("nextAfterSeq").asLong());

    assertThat(messages(first)).containsExactly("one", "two");
    assertThat(first.get("items").get(1).get("level").asString()).isEqualTo("WARN");
    assertThat(first.get("nextAfterSeq").asLong()).isEqualTo(3);
    assertThat(messages(rest)).containsExactly("three");
    assertThat(rest.get("nextAfterSeq").asLong()).isEqualTo(4);
    assertThat(get("/api/v1/trials/" + lease.trialId() + "/logs?limit=1001").statusCode())
        .isEqualTo(400);
    assertThat(get("/api/v1/trials/" + lease.trialId() + "/logs?limit=0").statusCode())
        .isEqualTo(400);
  }

  @Test
  void test_reports_are_not_found_before_the_run_and_served_after_it() throws Exception {
    Lease lease = running();
    long id = lease.trialId();
    HttpResponse<String> before = get("/api/v1/trials/" + id + "/confusion-matrix");
    assertThat(before.statusCode()).isEqualTo(404);
    assertThat(before.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json.readTree(before.body()).get("detail").asString())
        .isEqualTo("Trial " + id + " has no test results yet.");
    assertThat(get("/api/v1/trials/" + id + "/per-class").statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/trials/" + id + "/misclassified").statusCode()).isEqualTo(404);

    finish(lease);

    JsonNode matrix = getJson("/api/v1/trials/" + id + "/confusion-matrix");
    assertThat(matrix.get("classes").asInt()).isEqualTo(10);
    assertThat(matrix.get("counts").get(7).get(7).asInt()).isEqualTo(1000);
    JsonNode perClass = getJson("/api/v1/trials/" + id + "/per-class");
    assertThat(perClass.get("accuracy").asDouble()).isEqualTo(0.97);
    assertThat(perClass.get("classes").get(0).get("support").asInt()).isEqualTo(980);
  }

  @Test
  void misclassified_images_are_listed_a_page_at_a_time_and_served_as_png() throws Exception {
    Lease lease = running();
    long id = lease.trialId();
    finish(lease);

    JsonNode page = getJson("/api/v1/trials/" + id + "/misclassified?limit=2&offset=1");
    assertThat(page.get("mistakes").asLong()).isEqualTo(300);
    assertThat(page.get("total").asInt()).isEqualTo(3);
    assertThat(page.get("items"))
        .extracting(m -> m.get("index").asInt(), m -> m.get("predicted").asInt())
        .containsExactly(tuple(8, 5), tuple(247, 6));
    assertThat(page.get("items").get(0).get("confidence").asDouble()).isEqualTo(0.8);
    assertThat(get("/api/v1/trials/" + id + "/misclassified?limit=0").statusCode()).isEqualTo(400);

    HttpResponse<String> notMisclassified = get("/api/v1/trials/" + id + "/misclassified/1.png");
    assertThat(notMisclassified.statusCode()).isEqualTo(404);
    assertThat(json.readTree(notMisclassified.body()).get("detail").asString())
        .contains("not among the misclassified");

    MnistDataHome.assumeFetched();
    HttpResponse<byte[]> png =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/" + id + "/misclassified/8.png")).build(),
            BodyHandlers.ofByteArray());
    assertThat(png.statusCode()).isEqualTo(200);
    assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
    assertThat(image.getWidth()).isEqualTo(112);
    assertThat(image.getHeight()).isEqualTo(112);
    // A digit: some ink (bright) in the middle, a dark border.
    assertThat(image.getRaster().getSample(0, 0, 0)).isZero();
    int brightest = 0;
    for (int y = 0; y < 112; y++) {
      for (int x = 0; x < 112; x++) {
        brightest = Math.max(brightest, image.getRaster().getSample(x, y, 0));
      }
    }
    assertThat(brightest).isGreaterThan(200);
  }

  @Test
  void artifacts_are_listed_from_their_events_and_downloaded_by_name() throws Exception {
    Lease lease = running();
    long id = lease.trialId();
    finish(lease);

    JsonNode listed = getJson("/api/v1/trials/" + id + "/artifacts");
    assertThat(listed)
        .extracting(
            a -> a.get("name").asString(),
            a -> a.get("kind").asString(),
            a -> a.get("bytes").asLong(),
            a -> a.get("available").asBoolean())
        .containsExactly(
            tuple("checkpoint", "checkpoint", 4L, false),
            tuple("model", "model", 5L, true),
            tuple("confusion-matrix", "report", 10L, true));
    assertThat(listed.get(1).get("sha256").asString()).hasSize(64);

    HttpResponse<String> model = get("/api/v1/trials/" + id + "/artifacts/model");
    assertThat(model.statusCode()).isEqualTo(200);
    assertThat(model.body()).isEqualTo("model");
    assertThat(model.headers().firstValue("Content-Disposition"))
        .hasValueSatisfying(v -> assertThat(v).contains("attachment").contains("model.dlm"));
    assertThat(get("/api/v1/trials/" + id + "/artifacts/model.dlm").body()).isEqualTo("model");
    assertThat(get("/api/v1/trials/" + id + "/artifacts/per-class.json").statusCode())
        .isEqualTo(200);
    assertThat(get("/api/v1/trials/" + id + "/artifacts/checkpoint").statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/trials/" + id + "/artifacts/notes.txt").statusCode()).isEqualTo(404);
    for (String name : List.of("model..dlm", "%2E%2E", "..%5Cmodel.dlm", ".hidden")) {
      HttpResponse<String> refused = get("/api/v1/trials/" + id + "/artifacts/" + name);
      assertThat(refused.statusCode()).as(name).isEqualTo(400);
    }
  }

  @Test
  void a_queued_trial_is_cancelled_at_once_and_can_be_retried() throws Exception {
    long experimentId = submit("name: cancel-me\nconfig: {model: mlp, epochs: 1}\n");
    long id = trials.listByExperiment(experimentId).getFirst().id();

    HttpResponse<String> cancelled = post("/api/v1/trials/" + id + "/cancel");
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(json.readTree(cancelled.body()).get("status").asString()).isEqualTo("cancelled");
    assertThat(post("/api/v1/trials/" + id + "/cancel").statusCode()).isEqualTo(200);

    HttpResponse<String> retried = post("/api/v1/trials/" + id + "/retry");
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(json.readTree(retried.body()).get("status").asString()).isEqualTo("queued");
    assertThat(trials.get(id).status()).isEqualTo(TrialStatus.QUEUED);

    HttpResponse<String> again = post("/api/v1/trials/" + id + "/retry");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(json.readTree(again.body()).get("detail").asString())
        .contains("Only a failed or cancelled trial can be retried");
  }

  @Test
  void a_running_trial_is_asked_to_stop_and_a_finished_one_cannot_be_cancelled() throws Exception {
    Lease lease = running();
    long id = lease.trialId();

    HttpResponse<String> asked = post("/api/v1/trials/" + id + "/cancel");

    assertThat(asked.statusCode()).isEqualTo(202);
    JsonNode body = json.readTree(asked.body());
    assertThat(body.get("status").asString()).isEqualTo("running");
    assertThat(body.get("cancelRequested").asBoolean()).isTrue();
    assertThat(post("/api/v1/trials/" + id + "/retry").statusCode()).isEqualTo(409);

    finish(lease);
    assertThat(post("/api/v1/trials/" + id + "/cancel").statusCode()).isEqualTo(409);
    assertThat(post("/api/v1/trials/" + id + "/retry").statusCode()).isEqualTo(409);
  }

  /**
   * Cancelling an experiment whose trial runs only asks that trial to stop: the answer is 202, as
   * for one trial, not a 200 that reads as done; the trial may still finish before its worker looks
   * at the request, and then it is the trial's real end (succeeded) that the API shows.
   */
  @Test
  void cancelling_an_experiment_with_a_running_trial_is_accepted_and_the_trial_may_finish_first()
      throws Exception {
    Lease lease = running();
    long experimentId = trials.get(lease.trialId()).experimentId();

    HttpResponse<String> asked = post("/api/v1/experiments/" + experimentId + "/cancel");

    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
    JsonNode body = json.readTree(asked.body());
    assertThat(body.get("trialCounts").get("running").asInt()).isEqualTo(1);
    assertThat(body.get("trials").get(0).get("status").asString()).isEqualTo("running");
    assertThat(body.get("trials").get(0).get("cancelRequested").asBoolean()).isTrue();

    finish(lease);
    assertThat(getJson("/api/v1/trials/" + lease.trialId()).get("status").asString())
        .isEqualTo("succeeded");
    JsonNode after = getJson("/api/v1/experiments/" + experimentId);
    assertThat(after.get("status").asString()).isEqualTo("cancelled");
    assertThat(after.get("trialCounts").get("succeeded").asInt()).isEqualTo(1);
    // Nothing left to stop: a second cancel is done at once.
    assertThat(post("/api/v1/experiments/" + experimentId + "/cancel").statusCode()).isEqualTo(200);
  }

  @Test
  void a_failed_mlflow_run_is_not_retried_and_its_trial_address_shows_its_run_page()
      throws Exception {
    long id = mlflowRun("retry-mlflow-run");
    assertThat(
            mlflow("runs/update", "{\"run_id\": \"" + id + "\", \"status\": \"FAILED\"}")
                .statusCode())
        .isEqualTo(200);

    // Queued again, no worker would ever claim it: it would wait for ever.
    HttpResponse<String> retried = post("/api/v1/trials/" + id + "/retry");
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(409);
    assertThat(json.readTree(retried.body()).get("detail").asString())
        .contains("logged through the MLflow API");
    assertThat(trials.get(id).status()).isEqualTo(TrialStatus.FAILED);

    // The trial page (empty loss charts, a confusion matrix it never has) sends to the run's page.
    HttpResponse<String> page = get("/trials/" + id);
    assertThat(page.statusCode()).isEqualTo(302);
    assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/runs/" + id);
  }

  @Test
  void a_running_mlflow_run_is_not_cancelled_from_here_where_nothing_would_stop_it()
      throws Exception {
    long id = mlflowRun("cancel-mlflow-run");
    long experiment = trials.get(id).experimentId();
    // Accepted, it set a stop request no worker reads: the run stayed running, "stopping", for
    // ever.
    HttpResponse<String> one = post("/api/v1/trials/" + id + "/cancel");
    assertThat(one.statusCode()).as(one.body()).isEqualTo(409);
    assertThat(json.readTree(one.body()).get("detail").asString())
        .contains("logged through the MLflow API");
    HttpResponse<String> bulk =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/cancel"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"trials\": [" + id + "]}"))
                .build(),
            BodyHandlers.ofString());
    assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(409);
    // Nor is its experiment: a 409 as well (ExperimentApiTest), its runs left as they are.
    assertThat(post("/api/v1/experiments/" + experiment + "/cancel").statusCode()).isEqualTo(409);

    Trial run = trials.get(id);
    assertThat(run.status()).isEqualTo(TrialStatus.RUNNING);
    assertThat(run.cancelRequested()).isFalse();
  }

  @Test
  void a_failed_trial_is_retried_as_a_new_attempt() throws Exception {
    Lease lease = running();
    queue.complete(
        lease.trialId(), lease.leaseToken(), new TrialOutcome.Failed("boom", "stack", 1.0));

    assertThat(post("/api/v1/trials/" + lease.trialId() + "/retry").statusCode()).isEqualTo(200);
    Lease next = queue.claim("test", Set.of("cpu"), Duration.ofMinutes(5)).orElseThrow();

    assertThat(next.trialId()).isEqualTo(lease.trialId());
    assertThat(next.attempt()).isEqualTo(2);
    queue.complete(next.trialId(), next.leaseToken(), new TrialOutcome.Cancelled(0.0));
  }

  @Test
  void an_unknown_trial_is_not_found_everywhere() throws Exception {
    for (String path :
        List.of(
            "/metrics",
            "/logs",
            "/confusion-matrix",
            "/per-class",
            "/misclassified",
            "/misclassified/3.png",
            "/artifacts",
            "/artifacts/model")) {
      assertThat(get("/api/v1/trials/999999" + path).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(post("/api/v1/trials/999999/cancel").statusCode()).isEqualTo(404);
    assertThat(post("/api/v1/trials/999999/retry").statusCode()).isEqualTo(404);
  }

  @Test
  void the_trial_endpoints_are_in_the_openapi_document() throws Exception {
    String docs = get("/v3/api-docs").body();

    assertThat(docs)
        .contains(
            "/api/v1/trials/{id}/metrics",
            "/api/v1/trials/{id}/logs",
            "/api/v1/trials/{id}/confusion-matrix",
            "/api/v1/trials/{id}/per-class",
            "/api/v1/trials/{id}/misclassified",
            "/api/v1/trials/{id}/misclassified/{index}.png",
            "/api/v1/trials/{id}/artifacts/{name}",
            "/api/v1/trials/{id}/cancel",
            "/api/v1/trials/{id}/retry",
            "/api/v1/experiments/{id}/clone");
  }

  // --- a run played by the test

  /** A one-trial experiment whose trial this test has claimed: attempt 1, running. */
  private Lease running() throws Exception {
    long experimentId = submit("name: played\nconfig: {model: mlp, epochs: 1}\n");
    Lease lease = queue.claim("test", Set.of("cpu"), Duration.ofMinutes(5)).orElseThrow();
    assertThat(trials.get(lease.trialId()).experimentId()).isEqualTo(experimentId);
    return lease;
  }

  /** What a run leaves at its end: report and model files, their artifact events, success. */
  private void finish(Lease lease) throws Exception {
    long id = lease.trialId();
    Path attempt = directories.of(id).resolve("attempt-" + lease.attempt());
    Files.createDirectories(attempt);
    StringBuilder counts = new StringBuilder("[");
    for (int row = 0; row < 10; row++) {
      counts.append(row == 0 ? "" : ",").append("[");
      for (int col = 0; col < 10; col++) {
        counts.append(col == 0 ? "" : ",").append(row == col ? 1000 : 0);
      }
      counts.append("]");
    }
    Files.writeString(
        attempt.resolve("confusion-matrix.json"), "{\"classes\":10,\"counts\":" + counts + "]}");
    Files.writeString(
        attempt.resolve("per-class.json"),
        """
        {"accuracy":0.97,"macroF1":0.96,"classes":[{"classIndex":0,"precision":0.98,\
        "recall":0.99,"f1":0.985,"support":980}]}""");
    Files.writeString(
        attempt.resolve("misclassified.json"),
        """
        {"mistakes":300,"examples":[
          {"index":18,"actual":3,"predicted":8,"confidence":0.9},
          {"index":8,"actual":5,"predicted":5,"confidence":0.8},
          {"index":247,"actual":4,"predicted":6,"confidence":0.7}]}""");
    Files.writeString(attempt.resolve("model.dlm"), "model");
    String sha = "ab".repeat(32);
    events.append(
        id,
        lease.attempt(),
        List.of(
            artifact(100, "checkpoint", "checkpoint", 4, sha),
            artifact(101, "model", "model", 5, sha),
            artifact(102, "confusion-matrix", "report", 10, sha)));
    queue.complete(id, lease.leaseToken(), new TrialOutcome.Succeeded(0.97, 0.96, null, 1.0, "{}"));
  }

  private long submit(String yaml) throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(yaml))
                .build(),
            BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = json.readTree(created.body()).get("id").asLong();
    experimentIds.add(id);
    return id;
  }

  private static NewEvent metric(long seq, String key, double value, long step, int epoch) {
    return new NewEvent(
        seq,
        EventType.METRIC,
        "{\"key\":\"%s\",\"value\":%s,\"step\":%d,\"epoch\":%d}"
            .formatted(key, value, step, epoch));
  }

  private static NewEvent artifact(long seq, String name, String kind, long bytes, String sha) {
    return new NewEvent(
        seq,
        EventType.ARTIFACT,
        "{\"name\":\"%s\",\"kind\":\"%s\",\"bytes\":%d,\"sha256\":\"%s\"}"
            .formatted(name, kind, bytes, sha));
  }

  private static String log(String level, String message) {
    return "{\"level\":\"%s\",\"message\":\"%s\"}".formatted(level, message);
  }

  private static List<String> names(JsonNode object) {
    return object.propertyNames().stream().toList();
  }

  private static List<org.assertj.core.groups.Tuple> points(JsonNode curve) {
    return StreamSupport.stream(curve.spliterator(), false)
        .map(p -> tuple(p.get("step").asLong(), p.get("epoch").asInt(), p.get("value").asDouble()))
        .toList();
  }

  private static List<String> messages(JsonNode page) {
    return StreamSupport.stream(page.get("items").spliterator(), false)
        .map(e -> e.get("message").asString())
        .toList();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), BodyHandlers.ofString());
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  /** A run created through the MLflow API in a new experiment of that name; its id. */
  private long mlflowRun(String experimentName) throws Exception {
    String experiment =
        json.readTree(mlflow("experiments/create", "{\"name\": \"" + experimentName + "\"}").body())
            .get("experiment_id")
            .asString();
    return Long.parseLong(
        json.readTree(mlflow("runs/create", "{\"experiment_id\": \"" + experiment + "\"}").body())
            .path("run")
            .path("info")
            .path("run_id")
            .asString());
  }

  private HttpResponse<String> mlflow(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri("/api/2.0/mlflow/" + path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).POST(BodyPublishers.noBody()).build(),
        BodyHandlers.ofString());
  }
}
