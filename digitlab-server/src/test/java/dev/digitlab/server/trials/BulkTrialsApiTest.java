package dev.digitlab.server.trials;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Rule: the runs table's bulk actions ({@code POST /api/v1/trials/tag|untag|cancel|delete|restore})
 * change the selected trials only for their experiment's owner or an admin: a viewer, another user
 * and an anonymous caller are refused and nothing changes. A request is checked whole before
 * anything changes: bad input is a 4xx problem naming what to fix, a trial that does not exist a
 * 404, a queued trial in a delete a 409, and each leaves every trial as it was. Tags are MLflow's
 * run tags (searchable through the MLflow API); delete is MLflow's soft delete, undone by restore.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class BulkTrialsApiTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    // No worker: the trials stay queued, so cancel and the delete guard can be seen.
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.auth.enabled", () -> "true");
  }

  private static final ObjectMapper JSON = Json.mapper();
  private static final String EXPERIMENT =
      """
      {"name": "bulk", "config": {"model": "mlp", "epochs": 1},
       "search": {"type": "grid", "parameters": {"learningRate": [0.1, 0.01, 0.001]}}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  @Test
  void owners_tag_cancel_delete_and_restore_others_are_refused_and_nothing_changes()
      throws Exception {
    String alice = tokens.create("alice-bulk", Role.USER).secret();
    String bob = tokens.create("bob-bulk", Role.USER).secret();
    String viewer = tokens.create("vic-bulk", Role.VIEWER).secret();
    String admin = tokens.create("ada-bulk", Role.ADMIN).secret();
    HttpResponse<String> created = send("POST", "/api/v1/experiments", alice, EXPERIMENT);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long experiment = JSON.readTree(created.body()).path("id").asLong();
    List<Long> ids = new ArrayList<>();
    JsonNode detail =
        JSON.readTree(send("GET", "/api/v1/experiments/" + experiment, alice, null).body());
    detail.path("trials").forEach(t -> ids.add(t.path("id").asLong()));
    assertThat(ids).hasSize(3);
    String two = "{\"trials\": [" + ids.get(0) + ", " + ids.get(1) + "]";

    // The attacks: a viewer, another user and nobody, on each action; nothing changes.
    for (String action : List.of("tag", "untag", "cancel", "delete", "restore")) {
      String body = two + ", \"key\": \"group\", \"value\": \"evil\"}";
      HttpResponse<String> byViewer = send("POST", "/api/v1/trials/" + action, viewer, body);
      assertThat(byViewer.statusCode()).as("viewer " + action).isEqualTo(403);
      HttpResponse<String> byBob = send("POST", "/api/v1/trials/" + action, bob, body);
      assertThat(byBob.statusCode()).as("bob " + action).isEqualTo(403);
      assertThat(byBob.body()).contains("alice-bulk");
      assertThat(send("POST", "/api/v1/trials/" + action, null, body).statusCode())
          .as("anonymous " + action)
          .isEqualTo(401);
    }
    for (long id : ids) {
      JsonNode trial = trial(id, alice);
      assertThat(trial.path("status").asString()).isEqualTo("queued");
      assertThat(trial.path("lifecycleStage").asString()).isEqualTo("active");
    }
    assertThat(searchRuns(experiment, "tags.group = 'evil'", alice)).isEmpty();

    // Bad input: a 4xx problem saying what to fix, and nothing tagged.
    List<String> bad =
        List.of(
            "{\"trials\": [], \"key\": \"group\"}",
            "{\"key\": \"group\"}",
            two + ", \"key\": \"\"}",
            two + ", \"key\": \"mlflow.user\", \"value\": \"x\"}",
            two + ", \"key\": \"a`b\"}",
            two + ", \"key\": \"group\", \"value\": \"" + "v".repeat(5001) + "\"}",
            "{\"trials\": [\"one\"], \"key\": \"group\"}",
            "{\"trials\": [" + ids.get(0) + ", null], \"key\": \"group\"}",
            "not json");
    for (String body : bad) {
      HttpResponse<String> refused = send("POST", "/api/v1/trials/tag", alice, body);
      assertThat(refused.statusCode())
          .as(body.substring(0, Math.min(40, body.length())))
          .isEqualTo(400);
      assertThat(refused.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
    }
    // A trial that does not exist, beside one that does: 404, and the real one is not tagged.
    HttpResponse<String> missing =
        send(
            "POST",
            "/api/v1/trials/tag",
            alice,
            "{\"trials\": [" + ids.get(0) + ", 999999], \"key\": \"group\"}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(searchRuns(experiment, "tags.group = ''", alice)).isEmpty();

    // The owner tags two of the three: MLflow's search finds exactly those.
    HttpResponse<String> tagged =
        send(
            "POST",
            "/api/v1/trials/tag",
            alice,
            two + ", \"key\": \"group\", \"value\": \"base\"}");
    assertThat(tagged.statusCode()).as(tagged.body()).isEqualTo(200);
    assertThat(searchRuns(experiment, "tags.group = 'base'", alice))
        .containsExactlyInAnyOrder(ids.get(0), ids.get(1));
    // A label without a value; an admin may too.
    assertThat(send("POST", "/api/v1/trials/tag", admin, two + ", \"key\": \"keep\"}").statusCode())
        .isEqualTo(200);
    assertThat(searchRuns(experiment, "tags.keep = ''", alice)).hasSize(2);
    assertThat(
            send("POST", "/api/v1/trials/untag", alice, two + ", \"key\": \"keep\"}").statusCode())
        .isEqualTo(200);
    assertThat(searchRuns(experiment, "tags.keep = ''", alice)).isEmpty();

    // Delete refuses queued trials, naming them, and deletes none of the selection.
    HttpResponse<String> live = send("POST", "/api/v1/trials/delete", alice, two + "}");
    assertThat(live.statusCode()).isEqualTo(409);
    assertThat(live.body()).contains("cancel").contains("#0");
    assertThat(trial(ids.get(0), alice).path("lifecycleStage").asString()).isEqualTo("active");

    // Cancel through the queue, then delete (softly: the API still shows it, as deleted).
    HttpResponse<String> cancelled =
        send("POST", "/api/v1/trials/cancel", alice, "{\"trials\": [" + ids.get(2) + "]}");
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
    assertThat(JSON.readTree(cancelled.body()).path("trials").get(0).path("status").asString())
        .isEqualTo("cancelled");
    assertThat(trial(ids.get(2), alice).path("status").asString()).isEqualTo("cancelled");
    HttpResponse<String> deleted =
        send("POST", "/api/v1/trials/delete", alice, "{\"trials\": [" + ids.get(2) + "]}");
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("deleted");
    JsonNode run =
        JSON.readTree(
            send("GET", "/api/2.0/mlflow/runs/get?run_id=" + ids.get(2), alice, null).body());
    assertThat(run.path("run").path("info").path("lifecycle_stage").asString())
        .isEqualTo("deleted");
    assertThat(searchRuns(experiment, "", alice)).containsExactlyInAnyOrder(ids.get(0), ids.get(1));
    // Restore brings it back.
    assertThat(
            send("POST", "/api/v1/trials/restore", alice, "{\"trials\": [" + ids.get(2) + "]}")
                .statusCode())
        .isEqualTo(200);
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("active");
    assertThat(searchRuns(experiment, "", alice)).hasSize(3);
  }

  private JsonNode trial(long id, String token) throws Exception {
    HttpResponse<String> answer = send("GET", "/api/v1/trials/" + id, token, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  /** The ids of the experiment's active runs that MLflow's search finds with this filter. */
  private List<Long> searchRuns(long experiment, String filter, String token) throws Exception {
    String body =
        JSON.writeValueAsString(
            java.util.Map.of(
                "experiment_ids", List.of(Long.toString(experiment)), "filter", filter));
    HttpResponse<String> answer = send("POST", "/api/2.0/mlflow/runs/search", token, body);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    List<Long> found = new ArrayList<>();
    JSON.readTree(answer.body())
        .path("runs")
        .forEach(r -> found.add(Long.parseLong(r.path("info").path("run_id").asString())));
    return found;
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
