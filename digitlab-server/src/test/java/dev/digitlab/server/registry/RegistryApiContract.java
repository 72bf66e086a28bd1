package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.trials.TrialStore;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/**
 * The registry over real HTTP with two tiny models the embedded worker trains on real MNIST; run on
 * H2 and on PostgreSQL by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RegistryApiContract {

  @Value("${local.server.port}")
  int port;

  @Value("${digitlab.home}")
  Path home;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;

  ModelApi api;
  long firstTrial;
  long secondTrial;

  @BeforeAll
  void trainTwoTinyModels() throws Exception {
    MnistDataHome.assumeFetched();
    api = new ModelApi(port, experiments, trials);
    firstTrial =
        api.trainedTrial(
            "name: tiny-a\n"
                + "config: {model: mlp, epochs: 1, seed: 1, hiddenSizes: [32], trainSubset: 2000}\n");
    secondTrial =
        api.trainedTrial(
            "name: tiny-b\n"
                + "config: {model: mlp, epochs: 1, seed: 2, hiddenSizes: [16], trainSubset: 2000}\n");
  }

  @Test
  void registering_creates_immutable_numbered_versions_with_their_lineage() throws Exception {
    JsonNode v1 = api.register("lineage", firstTrial);
    JsonNode v2 = api.register("lineage", secondTrial);

    assertThat(v1.get("version").asInt()).isEqualTo(1);
    assertThat(v2.get("version").asInt()).isEqualTo(2);
    assertThat(v1.get("trialId").asLong()).isEqualTo(firstTrial);
    assertThat(v1.get("experimentId").asLong()).isEqualTo(trials.get(firstTrial).experimentId());
    assertThat(v1.get("dataset").asString()).isEqualTo("mnist");
    assertThat(v1.get("datasetDigests").get("train-images-idx3-ubyte").asString()).hasSize(64);
    assertThat(v1.get("architecture").asString()).isEqualTo("mlp");
    assertThat(v1.get("preprocessing").asString()).isEqualTo(ModelRegistry.PREPROCESSING);
    assertThat(v1.get("testAccuracy").asDouble()).isBetween(0.5, 1.0);
    assertThat(v1.get("config").asString()).contains("\"hiddenSizes\":[32]");
    Path weights = home.resolve("registry/lineage/v1/model.dlm");
    assertThat(v1.get("artifactSha256").asString())
        .isEqualTo(
            HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(weights))));

    JsonNode model = api.ok(api.get("/api/v1/models/lineage"));
    assertThat(model.get("versions"))
        .extracting(v -> v.get("version").asInt())
        .containsExactly(2, 1);
    JsonNode all = api.ok(api.get("/api/v1/models"));
    assertThat(names(all)).contains("lineage");
    JsonNode comparison = api.ok(api.get("/api/v1/models/lineage/compare?versions=1,2"));
    assertThat(names(comparison.get("configDifferences"))).contains("hiddenSizes", "seed");
  }

  @Test
  void comparing_versions_returns_the_differing_values_themselves() throws Exception {
    api.register("compared", firstTrial);
    api.register("compared", secondTrial);

    JsonNode differences =
        api.ok(api.get("/api/v1/models/compared/compare?versions=1,2")).get("configDifferences");

    // The config values as JSON values, one per version, not a dump of a tree node's getters.
    assertThat(differences.get("seed").toString()).isEqualTo("[1,2]");
    assertThat(differences.get("hiddenSizes").toString()).isEqualTo("[[32],[16]]");
    assertThat(differences.get("seed").get(0).isNumber()).isTrue();
  }

  @Test
  void promotion_moves_the_alias_and_rollback_moves_it_back_with_every_move_audited()
      throws Exception {
    api.register("aliased", firstTrial);
    api.register("aliased", secondTrial);

    assertThat(api.ok(api.promote("aliased", "production", 1)).get("version").asInt()).isEqualTo(1);
    assertThat(api.rollback("aliased", "production").statusCode()).isEqualTo(409);
    assertThat(api.ok(api.promote("aliased", "production", 2)).get("version").asInt()).isEqualTo(2);
    assertThat(api.ok(api.promote("aliased", "staging", 1)).get("version").asInt()).isEqualTo(1);
    assertThat(api.ok(api.rollback("aliased", "production")).get("version").asInt()).isEqualTo(1);

    JsonNode aliases = api.ok(api.get("/api/v1/models/aliased/aliases"));
    assertThat(aliases)
        .extracting(a -> a.get("alias").asString() + "=" + a.get("version").asInt())
        .containsExactly("production=1", "staging=1");
    JsonNode audit = api.ok(api.get("/api/v1/models/aliased/audit"));
    assertThat(audit)
        .extracting(
            e ->
                e.get("action").asString()
                    + " "
                    + e.path("alias").asString("")
                    + " "
                    + e.path("fromVersion").asInt(0)
                    + "->"
                    + e.get("version").asInt())
        .containsExactly(
            "rolled-back production 2->1",
            "promoted staging 0->1",
            "promoted production 1->2",
            "promoted production 0->1",
            "registered  0->2",
            "registered  0->1");
    // The registry is not owned; its log says who did what (no token here: 'local').
    assertThat(audit).extracting(e -> e.path("actor").asString("")).containsOnly("local");
  }

  @Test
  void an_aliased_version_cannot_be_archived_and_an_archived_one_cannot_be_promoted()
      throws Exception {
    api.register("archiving", firstTrial);
    api.register("archiving", secondTrial);
    api.ok(api.promote("archiving", "production", 2));

    assertThat(api.send("POST", "/api/v1/models/archiving/versions/2/archive", null).statusCode())
        .isEqualTo(409);
    JsonNode archived =
        api.ok(api.send("POST", "/api/v1/models/archiving/versions/1/archive", null));
    assertThat(archived.get("status").asString()).isEqualTo("archived");
    HttpResponse<String> promote = api.promote("archiving", "production", 1);
    assertThat(promote.statusCode()).as(promote.body()).isEqualTo(409);
    assertThat(promote.body()).contains("archived");
  }

  /**
   * Registering a trial that already is a version of the model made a second, identical version
   * without a word; it is refused naming that version, and made only when asked with {@code force}.
   * Another model may hold the same trial.
   */
  @Test
  void registering_a_trial_again_is_refused_naming_its_version_unless_forced() throws Exception {
    api.register("twice", firstTrial);
    String body = "{\"trialId\":" + firstTrial + "}";

    assertStatus(
        api.send("POST", "/api/v1/models/twice/versions", body),
        409,
        "Trial " + firstTrial + " is already version 1 of model twice");
    assertThat(api.ok(api.get("/api/v1/models/twice")).get("versions")).hasSize(1);

    HttpResponse<String> forced =
        api.send(
            "POST",
            "/api/v1/models/twice/versions",
            "{\"trialId\":" + firstTrial + ",\"force\":true}");
    assertThat(forced.statusCode()).as(forced.body()).isEqualTo(201);
    assertThat(api.ok(forced).get("version").asInt()).isEqualTo(2);
    assertThat(api.register("twice-elsewhere", firstTrial).get("version").asInt()).isEqualTo(1);
  }

  /**
   * A fractional number for an integer field was cut to its whole part ({@code 1.5} registered
   * trial 1): refused naming the field, on every endpoint that reads JSON; a whole number written
   * with a fraction ({@code 2.0}, as some clients write every number) still reads as that number.
   */
  @Test
  void a_fractional_number_for_an_integer_field_is_refused_naming_the_field() throws Exception {
    HttpResponse<String> fractionalTrial =
        api.send(
            "POST", "/api/v1/models/fractional/versions", "{\"trialId\":" + firstTrial + ".5}");
    assertStatus(
        fractionalTrial, 400, "trialId: expected an integer, got number " + firstTrial + ".5");
    assertThat(api.get("/api/v1/models/fractional").statusCode()).isEqualTo(404);

    HttpResponse<String> whole =
        api.send(
            "POST", "/api/v1/models/fractional/versions", "{\"trialId\":" + firstTrial + ".0}");
    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(201);
    assertThat(api.ok(whole).get("trialId").asLong()).isEqualTo(firstTrial);

    HttpResponse<String> fractionalVersion =
        api.send("PUT", "/api/v1/models/fractional/aliases/production", "{\"version\":1.5}");
    assertStatus(fractionalVersion, 400, "version");
    assertThat(api.ok(api.get("/api/v1/models/fractional")).get("aliases")).isEmpty();
  }

  @Test
  void bad_requests_get_problem_details_naming_what_to_fix() throws Exception {
    api.register("strict", firstTrial);

    assertStatus(api.send("POST", "/api/v1/models/strict/versions", "{}"), 400, "trialId");
    assertStatus(
        api.send("POST", "/api/v1/models/Bad%20Name/versions", "{\"trialId\":" + firstTrial + "}"),
        400,
        "model name");
    assertStatus(
        api.send("POST", "/api/v1/models/strict/versions", "{\"trialId\":999999}"), 404, "999999");
    assertStatus(api.promote("strict", "1abc", 1), 400, "alias");
    assertStatus(api.promote("strict", "production", 7), 404, "no version 7");
    assertStatus(api.promote("missing", "production", 1), 404, "no model named missing");
    assertStatus(api.get("/api/v1/models/strict/compare?versions=1"), 400, "at least two");
    assertStatus(api.rollback("strict", "canary"), 404, "no alias canary");
    assertStatus(
        api.send("POST", "/api/v1/models/strict/predict", "{}"), 404, "no alias production");
    assertStatus(
        api.send("POST", "/api/v1/models/stritc/predict", "{}"), 404, "no model named stritc");
  }

  @Test
  void the_models_page_lists_versions_and_its_buttons_promote_and_roll_back() throws Exception {
    api.register("paged", firstTrial);
    api.register("paged", secondTrial);

    HttpResponse<String> empty = api.get("/playground");
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.body()).doesNotContain("<option value=\"paged\"");
    assertThat(form("/models/paged/promote", "version=1&alias=production").statusCode())
        .isEqualTo(302);
    assertThat(form("/models/paged/promote", "version=2&alias=production").statusCode())
        .isEqualTo(302);
    assertThat(form("/models/paged/rollback", "alias=production").statusCode()).isEqualTo(302);

    assertThat(api.ok(api.get("/api/v1/models/paged/aliases")).get(0).get("version").asInt())
        .isEqualTo(1);
    HttpResponse<String> page = api.get("/models");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(page.body())
        .contains("id=\"model-paged\"", "production → v1", "rolled-back", "Promote to production");
    HttpResponse<String> playground = api.get("/playground?model=paged");
    assertThat(playground.body())
        .contains("<option value=\"paged\" selected=\"selected\">paged</option>", "<canvas");
    // Every registry page sits in the shared layout: its navigation, stylesheet and scripts.
    for (String path :
        List.of("/models", "/playground", "/models/paged/feedback", "/models/paged/retraining")) {
      assertThat(api.get(path).body())
          .as(path)
          .contains("<nav aria-label=\"Main\">", "/css/digitlab.css", "/js/digitlab.js")
          .doesNotContain("<style>");
    }
    HttpResponse<String> missing = api.get("/models/nothing/feedback");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(missing.body()).contains("<nav aria-label=\"Main\">", "nothing");
  }

  @Test
  void a_refused_button_shows_the_reason_on_the_page() throws Exception {
    api.register("refusing", firstTrial);
    api.ok(api.promote("refusing", "production", 1));

    HttpResponse<String> archive = form("/models/refusing/versions/1/archive", "");
    assertThat(archive.statusCode()).isEqualTo(302);
    String cookie = archive.headers().firstValue("Set-Cookie").orElse("");
    HttpResponse<String> page =
        api.http.send(
            java.net.http.HttpRequest.newBuilder(api.uri("/models"))
                .header("Cookie", cookie.split(";")[0])
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(page.body()).contains("move those aliases to another version");
    assertThat(api.ok(api.get("/api/v1/models/refusing/versions/1")).get("status").asString())
        .isEqualTo("active");
  }

  private HttpResponse<String> form(String path, String body) throws Exception {
    return api.form(path, body);
  }

  private void assertStatus(HttpResponse<String> response, int status, String detailPart) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    // Problems written by filters (body too large) say their charset; JSON is UTF-8 either way.
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(response.body()).contains(detailPart);
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> names.add(n.get("name").asString()));
    } else {
      node.propertyNames().forEach(names::add);
    }
    return names;
  }
}
