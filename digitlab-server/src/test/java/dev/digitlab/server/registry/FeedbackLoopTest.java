package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.IdxReader;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.worker.run.RunArtifact;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Feedback intake, listing and IDX export, and the whole loop: ten labelled images start a
 * retraining, the quality gate decides, the decision is audited, and rollback restores production.
 */
class FeedbackLoopTest extends TrainingServerTest {

  static final Path HOME = TestHomes.create("feedback");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", HOME::toString);
  }

  /**
   * Serving takes a while to load the retrained version (as on a loaded machine), so the gate's
   * promotion of it takes a while too: a decision audited before that promotion was seen by {@link
   * #awaitAudit} with production still on version 1 (the gate-passed case's assertions failed).
   */
  @TestConfiguration
  static class SlowToServeRetrainedVersions {

    @Bean
    AliasListener slowToWarm() {
      return new AliasListener() {
        @Override
        public void warm(String model, int version) {
          if (model.equals("loop") && version == 2) {
            try {
              Thread.sleep(1_500);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }

        @Override
        public void aliasMoved(String model, String alias, int version) {}
      };
    }
  }

  @Autowired EventStore events;
  @Autowired JdbcClient jdbc;

  long trial;

  @BeforeAll
  void trainATinyModel() throws Exception {
    trial =
        api.trainedTrial(
            "name: tiny\n"
                + "config: {model: mlp, epochs: 1, seed: 1, hiddenSizes: [32], trainSubset: 2000}\n");
  }

  @Test
  void feedback_is_stored_listed_with_filters_and_exported_as_idx() throws Exception {
    api.register("fb", trial);
    byte[] png = MnistPngs.png(test, 0);
    int[] pixels = new int[784];
    for (int p = 0; p < 784; p++) {
      pixels[p] = test.pixels()[784 + p] & 0xFF;
    }

    JsonNode first = api.ok(feedbackFile("fb", png, test.label(0), "&predicted=3&version=1"));
    api.ok(
        api.send(
            "POST",
            "/api/v1/models/fb/feedback",
            "{\"pixels\":" + Arrays.toString(pixels) + ",\"label\":" + test.label(1) + "}"));
    api.ok(
        api.send(
            "POST",
            "/api/v1/models/fb/feedback",
            "{\"image\":\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(MnistPngs.png(test, 2))
                + "\",\"label\":"
                + test.label(2)
                + ",\"predicted\":"
                + test.label(2)
                + "}"));

    assertThat(first.get("label").asInt()).isEqualTo(test.label(0));
    assertThat(first.get("predicted").asInt()).isEqualTo(3);
    assertThat(first.get("modelVersion").asInt()).isEqualTo(1);
    JsonNode all = api.ok(api.get("/api/v1/models/fb/feedback"));
    assertThat(all).hasSize(3);
    JsonNode one = api.ok(api.get("/api/v1/models/fb/feedback?label=" + test.label(1)));
    assertThat(one).extracting(f -> f.get("label").asInt()).containsOnly(test.label(1));
    assertThat(api.ok(api.get("/api/v1/models/fb/feedback?used=true"))).isEmpty();
    HttpResponse<byte[]> image =
        api.http.send(
            HttpRequest.newBuilder(
                    api.uri("/api/v1/feedback/" + first.get("id").asLong() + "/image"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(image.body()).isEqualTo(png);
    assertThat(image.headers().firstValue("Content-Type")).hasValue("image/png");

    HttpResponse<String> page = api.get("/models/fb/feedback?label=" + test.label(1));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body().split("/api/v1/feedback/", -1)).hasSize(2);
    assertThat(api.get("/models/fb/feedback").body().split("/api/v1/feedback/", -1)).hasSize(4);

    Path dir = Files.createTempDirectory(HOME, "export");
    Path images = dir.resolve("images");
    Path labels = dir.resolve("labels");
    Files.write(images, download("/api/v1/models/fb/feedback/export/images-idx3-ubyte"));
    Files.write(labels, download("/api/v1/models/fb/feedback/export/labels-idx1-ubyte"));
    ImageSet exported = IdxReader.read(images, labels);
    assertThat(exported.size()).isEqualTo(3);
    assertThat(exported.rows()).isEqualTo(28);
    for (int i = 0; i < 3; i++) {
      assertThat(exported.label(i)).isEqualTo(test.label(i));
    }
    // MNIST images are in MNIST form already: the export holds them as they were.
    assertThat(Arrays.copyOfRange(exported.pixels(), 0, 784))
        .isEqualTo(Arrays.copyOfRange(test.pixels(), 0, 784));
    // Checked before anything is written: a problem, not a truncated file.
    HttpResponse<String> unknown = api.get("/api/v1/models/fb/feedback/export/images");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("images-idx3-ubyte").contains("labels-idx1-ubyte");
  }

  @Test
  void refused_feedback_gets_problem_details_and_stored_feedback_stays() throws Exception {
    api.register("kept", trial);
    api.ok(feedbackFile("kept", MnistPngs.png(test, 5), test.label(5), ""));

    assertThat(api.send("POST", "/api/v1/models/kept/feedback", "{\"pixels\":[0]}").statusCode())
        .isEqualTo(400);
    byte[] png = MnistPngs.png(test, 6);
    assertThat(feedbackFile("kept", png, 12, "").statusCode()).isEqualTo(400);
    assertThat(feedbackFile("kept", Arrays.copyOf(png, 40), 1, "").statusCode()).isEqualTo(400);
    assertThat(feedbackFile("kept", new byte[50 * 1024 * 1024], 1, "").statusCode()).isEqualTo(413);
    assertThat(feedbackFile("kept", "not an image".getBytes(), 1, "").statusCode()).isEqualTo(400);
    assertThat(feedbackFile("nobody", png, 1, "").statusCode()).isEqualTo(404);
    // Issue 15, finding 11: confidence=NaN was stored (NaN fails every comparison).
    for (String confidence : List.of("NaN", "-0.1", "1.5", "Infinity")) {
      HttpResponse<String> refused = feedbackFile("kept", png, 1, "&confidence=" + confidence);
      assertThat(refused.statusCode()).as(confidence).isEqualTo(400);
      assertThat(refused.body()).as(confidence).contains("confidence", "between 0 and 1");
    }
    assertThat(feedbackFile("kept", png, 1, "&confidence=NaN").body()).contains("got NaN");

    assertThat(api.get("/actuator/health").statusCode()).isEqualTo(200);
    JsonNode stored = api.ok(api.get("/api/v1/models/kept/feedback"));
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).get("label").asInt()).isEqualTo(test.label(5));
  }

  @Test
  void ten_feedback_images_retrain_the_gate_decides_with_its_reason_and_rollback_restores()
      throws Exception {
    api.register("loop", trial);
    api.ok(api.promote("loop", "production", 1));
    JsonNode policy =
        api.ok(
            api.send(
                "PUT",
                "/api/v1/models/loop/retraining",
                "{\"enabled\":true,\"gateTolerance\":0.01}"));
    assertThat(policy.get("threshold").asInt()).isEqualTo(10);
    assertThat(policy.get("baseDataset").asString()).isEqualTo("mnist");

    for (int i = 0; i < 10; i++) {
      api.ok(feedbackFile("loop", MnistPngs.png(test, 100 + i), test.label(100 + i), ""));
    }
    JsonNode decision = awaitAudit("loop", Duration.ofMinutes(4));

    List<String> actions = actions("loop");
    assertThat(actions).contains("retrain-started");
    assertThat(api.ok(api.get("/api/v1/models/loop/feedback?used=true"))).hasSize(10);
    JsonNode v2 = api.ok(api.get("/api/v1/models/loop/versions/2"));
    long retrainTrial = v2.get("trialId").asLong();
    Experiment retraining = experiments.find(v2.get("experimentId").asLong()).orElseThrow();
    assertThat(retraining.tags()).contains("retraining", "loop");
    // made by the server, not by whoever uploaded the feedback: only admins may stop it
    assertThat(retraining.owner()).isEqualTo(Ownership.SYSTEM);
    assertThat(trials.get(retrainTrial).status().name()).isEqualTo("SUCCEEDED");
    // It ran through the queue and the TrialRunner like any trial: its events and checkpoints are
    // stored, its latest checkpoint is its resume point, and it has a trial page.
    assertThat(events.after(retrainTrial, 0, EventStore.MAX_PAGE))
        .extracting(event -> event.type().wireName())
        .contains("status", "metric", "progress", "log", "artifact");
    assertThat(events.ofType(retrainTrial, EventType.ARTIFACT, 0, 100))
        .extracting(TrialEvent::payload)
        .anySatisfy(
            payload ->
                assertThat(payload).contains("\"" + RunArtifact.CHECKPOINT.artifactName() + "\""));
    assertThat(
            jdbc.sql("SELECT checkpoint_seq FROM trial WHERE id = :id")
                .param("id", retrainTrial)
                .query(Long.class)
                .optional())
        .hasValueSatisfying(seq -> assertThat(seq).isPositive());
    assertThat(api.get("/trials/" + retrainTrial).statusCode()).isEqualTo(200);
    assertThat(decision.get("version").asInt()).isEqualTo(2);
    assertThat(decision.get("detail").asString()).contains("test accuracy", "held-out feedback");
    // Who took each decision: this test's requests carry no token (authentication off), the
    // retraining, its registration, gate and promotion are the server's own.
    for (JsonNode entry : api.ok(api.get("/api/v1/models/loop/audit"))) {
      String action = entry.get("action").asString();
      boolean byServer =
          action.startsWith("gate-")
              || action.startsWith("retrain-")
              || entry.path("version").asInt(0) == 2;
      assertThat(entry.path("actor").asString(""))
          .as(entry.toString())
          .isEqualTo(byServer ? Ownership.SYSTEM : Ownership.LOCAL);
    }

    byte[] png = MnistPngs.png(test, 0);
    if (decision.get("action").asString().equals("gate-passed")) {
      assertThat(production("loop")).isEqualTo(2);
      assertThat(
              api.ok(api.predictFiles("/api/v1/models/loop/predict", List.of(png)))
                  .get("version")
                  .asInt())
          .isEqualTo(2);
      api.ok(api.rollback("loop", "production"));
      assertThat(production("loop")).isEqualTo(1);
      assertThat(
              api.ok(api.predictFiles("/api/v1/models/loop/predict", List.of(png)))
                  .get("version")
                  .asInt())
          .isEqualTo(1);
    } else {
      assertThat(decision.get("detail").asString()).contains("worse on");
      assertThat(production("loop")).isEqualTo(1);
      // A rejected candidate can still be promoted by hand, and rolled back in one call.
      api.ok(api.promote("loop", "production", 2));
      api.ok(api.rollback("loop", "production"));
      assertThat(production("loop")).isEqualTo(1);
    }
  }

  @Test
  void the_policy_page_saves_a_valid_policy_and_refuses_a_bad_one() throws Exception {
    api.register("policy", trial);

    HttpResponse<String> bad =
        form("/models/policy/retraining", "threshold=0&baseDataset=mnist&gateTolerance=0.01");
    HttpResponse<String> good =
        form("/models/policy/retraining", "threshold=25&baseDataset=mnist&gateTolerance=0.02");

    assertThat(bad.statusCode()).isEqualTo(302);
    assertThat(good.statusCode()).isEqualTo(302);
    JsonNode policy = api.ok(api.get("/api/v1/models/policy/retraining"));
    assertThat(policy.get("threshold").asInt()).isEqualTo(25);
    assertThat(policy.get("gateTolerance").asDouble()).isEqualTo(0.02);
    assertThat(policy.get("enabled").asBoolean()).isFalse();
    HttpResponse<String> page = api.get("/models/policy/retraining");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("value=\"25\"", "Retraining policy of policy");
  }

  @Test
  void a_registered_or_unknown_base_dataset_is_a_400_naming_the_built_in_ones() throws Exception {
    api.register("based", trial);
    Path dir = dev.digitlab.testing.SyntheticIdx.write(HOME.resolve("based-set"), 40, 10, 10, 9);
    HttpResponse<String> added =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/api/v1/datasets?name=based-set&classes=10"))
                .header("Content-Type", "application/x-tar")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        dev.digitlab.testing.SyntheticIdx.tar(dir)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

    HttpResponse<String> registered =
        api.send("PUT", "/api/v1/models/based/retraining", "{\"baseDataset\":\"based-set\"}");
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(400);
    assertThat(registered.body())
        .contains("baseDataset")
        .contains("'based-set' is a registered dataset")
        .contains("built-in dataset only: mnist");
    HttpResponse<String> unknown =
        api.send("PUT", "/api/v1/models/based/retraining", "{\"baseDataset\":\"nope\"}");
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
    assertThat(unknown.body()).contains("no built-in dataset 'nope'", "mnist");
    JsonNode policy = api.ok(api.get("/api/v1/models/based/retraining"));
    assertThat(policy.get("baseDataset").asString()).isEqualTo("mnist");
    assertThat(policy.get("enabled").asBoolean()).isFalse();
  }

  /**
   * An ONNX model imported from outside serves as production and the quality gate scores it with
   * ONNX Runtime: the retraining takes the newest recipe Digit Lab trained (the imported version
   * has none), and the candidate is judged against the imported production version.
   */
  @Test
  void an_imported_onnx_production_version_is_what_the_quality_gate_judges_against()
      throws Exception {
    api.register("gated", trial);
    byte[] onnx = download("/api/v1/models/gated/versions/1/download?format=onnx");
    HttpResponse<String> imported =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/api/v1/models/gated/versions/import"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(onnx))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(api.ok(imported).get("architecture").asString()).isEqualTo("onnx");
    api.ok(api.promote("gated", "production", 2));
    api.ok(
        api.send(
            "PUT", "/api/v1/models/gated/retraining", "{\"enabled\":true,\"gateTolerance\":0.01}"));

    for (int i = 0; i < 10; i++) {
      api.ok(feedbackFile("gated", MnistPngs.png(test, 200 + i), test.label(200 + i), ""));
    }
    JsonNode decision = awaitAudit("gated", Duration.ofMinutes(4));

    assertThat(decision.get("version").asInt()).isEqualTo(3);
    assertThat(decision.get("detail").asString())
        .contains("v3 against production v2", "test accuracy");
    JsonNode candidate = api.ok(api.get("/api/v1/models/gated/versions/3"));
    assertThat(candidate.get("architecture").asString()).isEqualTo("mlp");
    assertThat(actions("gated")).contains("imported", "retrain-started");
  }

  private HttpResponse<String> form(String path, String body) throws Exception {
    return api.form(path, body);
  }

  private JsonNode awaitAudit(String model, Duration limit) throws Exception {
    Instant deadline = Instant.now().plus(limit);
    while (Instant.now().isBefore(deadline)) {
      for (JsonNode entry : api.ok(api.get("/api/v1/models/" + model + "/audit"))) {
        String action = entry.get("action").asString();
        if (action.equals("gate-passed") || action.equals("gate-rejected")) {
          return entry;
        }
        assertThat(action).as(entry.toString()).isNotEqualTo("retrain-failed");
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no quality-gate decision for " + model + " in " + limit);
  }

  private List<String> actions(String model) throws Exception {
    List<String> actions = new ArrayList<>();
    api.ok(api.get("/api/v1/models/" + model + "/audit"))
        .forEach(e -> actions.add(e.get("action").asString()));
    return actions;
  }

  private int production(String model) throws Exception {
    for (JsonNode alias : api.ok(api.get("/api/v1/models/" + model + "/aliases"))) {
      if (alias.get("alias").asString().equals("production")) {
        return alias.get("version").asInt();
      }
    }
    return -1;
  }

  private byte[] download(String path) throws Exception {
    HttpResponse<byte[]> response =
        api.http.send(
            HttpRequest.newBuilder(api.uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private HttpResponse<String> feedbackFile(String model, byte[] image, int label, String extra)
      throws Exception {
    String boundary = "----digitlab" + UUID.randomUUID();
    var body = new java.io.ByteArrayOutputStream();
    body.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"d.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n")
            .getBytes());
    body.writeBytes(image);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes());
    return api.http.send(
        HttpRequest.newBuilder(
                api.uri("/api/v1/models/" + model + "/feedback?label=" + label + extra))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
