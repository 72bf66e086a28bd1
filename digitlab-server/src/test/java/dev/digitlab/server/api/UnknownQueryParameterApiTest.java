package dev.digitlab.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.testing.OpenServerTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Our API refuses a query parameter its endpoint does not read (a typo used to be ignored: {@code
 * ?limit=5} answered 50 experiments), over real HTTP; what our own clients send still passes, and
 * MLflow's API still ignores what it does not know.
 */
class UnknownQueryParameterApiTest extends OpenServerTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  private long experimentId;
  private long trialId;

  @BeforeEach
  void anExperiment() throws Exception {
    HttpResponse<String> created =
        send("POST", "/api/v1/experiments", experiment("qp-" + UUID.randomUUID()));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode body = json.readTree(created.body());
    experimentId = body.get("id").asLong();
    trialId = body.get("trials").get(0).get("id").asLong();
  }

  @Test
  void the_experiments_list_refuses_limit_and_lists_what_it_accepts() throws Exception {
    JsonNode problem = refused(get("/api/v1/experiments?limit=5"));

    assertThat(problem.get("detail").asString())
        .startsWith("unknown query parameter 'limit'; this endpoint accepts: ")
        .contains("page", "size", "sort", "order", "status", "owner", "tag", "q");
    assertThat(problem.get("errors").get(0).get("path").asString()).isEqualTo("limit");
    assertThat(problem.get("accepted").toString()).contains("\"size\"");
  }

  @Test
  void a_misspelt_filter_is_refused_with_the_name_it_was_meant_to_be() throws Exception {
    JsonNode problem = refused(get("/api/v1/experiments?stauts=failed"));

    assertThat(problem.get("detail").asString())
        .startsWith("unknown query parameter 'stauts' (did you mean 'status'?)");
  }

  @Test
  void every_unknown_parameter_is_named() throws Exception {
    JsonNode problem = refused(get("/api/v1/experiments?size=5&limit=5&ownr=x"));

    assertThat(problem.get("detail").asString())
        .startsWith("unknown query parameters 'limit', 'ownr' (did you mean 'owner'?)");
    assertThat(problem.get("errors")).hasSize(2);
  }

  @Test
  void trials_events_models_and_pipelines_refuse_a_near_miss_with_a_suggestion() throws Exception {
    record Case(String path, String unknown, String meant) {}
    List<Case> cases =
        List.of(
            new Case("/api/v1/trials/" + trialId + "/logs?limt=10", "limt", "limit"),
            new Case("/api/v1/trials/" + trialId + "/metrics?key=loss", "key", "keys"),
            new Case("/api/v1/trials/" + trialId + "/events?afterr=0", "afterr", "after"),
            new Case("/api/v1/models/no-such-model/compare?version=1,2", "version", "versions"),
            new Case("/api/v1/pipelines?limits=5", "limits", "limit"));
    for (Case c : cases) {
      JsonNode problem = refused(get(c.path()));

      assertThat(problem.get("detail").asString())
          .as(c.path())
          .startsWith(
              "unknown query parameter '" + c.unknown() + "' (did you mean '" + c.meant() + "'?)");
    }
  }

  @Test
  void an_endpoint_without_parameters_says_it_takes_none() throws Exception {
    JsonNode problem = refused(get("/api/v1/experiments/" + experimentId + "?verbose=true"));

    assertThat(problem.get("detail").asString())
        .isEqualTo("unknown query parameter 'verbose'; this endpoint takes no query parameters");
  }

  @Test
  void a_post_with_an_unknown_parameter_stores_nothing() throws Exception {
    String name = "qp-dry-" + UUID.randomUUID();

    JsonNode problem = refused(send("POST", "/api/v1/experiments?dryRun=true", experiment(name)));

    assertThat(problem.get("detail").asString()).contains("'dryRun'");
    JsonNode found = json.readTree(get("/api/v1/experiments?q=" + name).body());
    assertThat(found.get("total").asLong()).isZero();
  }

  @Test
  void a_cancel_with_an_unknown_parameter_changes_nothing() throws Exception {
    refused(send("POST", "/api/v1/trials/" + trialId + "/cancel?force=true", null, null));

    JsonNode trial = json.readTree(get("/api/v1/trials/" + trialId).body());
    assertThat(trial.get("status").asString()).isEqualTo("queued");
  }

  /** What the CLI, the worker and the pages' scripts send (grepped from their sources). */
  @Test
  void the_parameters_our_clients_send_are_accepted() throws Exception {
    List<String> paths =
        List.of(
            "/api/v1/experiments?sort=created&order=desc&size=5&status=queued&owner=x&tag=y&q=z",
            "/api/v1/experiments?page=0&size=1",
            "/api/v1/trials/"
                + trialId
                + "/metrics?keys=train_loss&points=1000&fromStep=0&toStep=9",
            "/api/v1/trials/" + trialId + "/logs?limit=1000&afterSeq=0",
            "/api/v1/trials/" + trialId + "/events?type=log&limit=100&after=0",
            "/api/v1/pipelines?limit=5",
            "/api/v1/compare?trials=" + trialId + "&trial=" + trialId);
    for (String path : paths) {
      assertThat(get(path).statusCode()).as(path).isEqualTo(200);
    }
    // These fail for other reasons (no such model, no results, a bad body), not for a parameter;
    // the same request with one more parameter is refused, so the check did look at it.
    String octets = "application/octet-stream";
    List<String[]> others = new ArrayList<>();
    others.add(
        new String[] {
          "GET", "/api/v1/trials/" + trialId + "/misclassified?limit=1&offset=0", null
        });
    others.add(
        new String[] {"GET", "/api/v1/models/nothing/versions/1/download?format=onnx", null});
    others.add(new String[] {"POST", "/api/v1/experiments/import?copy=true", "application/gzip"});
    others.add(new String[] {"POST", "/api/v1/pipelines/import?copy=true", "application/gzip"});
    others.add(new String[] {"POST", "/api/v1/code?sha256=00", "application/gzip"});
    others.add(new String[] {"POST", "/api/v1/datasets?name=qp&classes=10", "application/gzip"});
    others.add(
        new String[] {
          "POST",
          "/api/v1/models/nothing/versions/import?pixels=0-1&outputs=logits&description=d",
          octets
        });
    others.add(
        new String[] {
          "POST", "/api/v1/models/nothing/predict?alias=production&version=1", "application/json"
        });
    others.add(
        new String[] {
          "PUT", "/api/v1/worker/leases/" + trialId + "/artifacts/model?seq=1", octets
        });
    others.add(
        new String[] {"POST", "/api/v1/experiments/" + experimentId + "/cancel?_csrf=x", null});
    for (String[] request : others) {
      HttpResponse<String> response = send(request[0], request[1], "x", request[2]);
      assertThat(response.body()).as(request[1]).doesNotContain("unknown query parameter");
      HttpResponse<String> typo = send(request[0], request[1] + "&zzqq=1", "x", request[2]);
      assertThat(json.readTree(typo.body()).path("detail").asString())
          .as(request[1])
          .startsWith("unknown query parameter 'zzqq'");
    }
  }

  @Test
  void the_event_stream_takes_after() throws Exception {
    HttpResponse<InputStream> stream =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments/" + experimentId + "/events?after=0"))
                .header("Accept", "text/event-stream")
                .build(),
            BodyHandlers.ofInputStream());
    // The experiment's trials stay queued, so the stream stays open: only its start is asked.
    stream.body().close();
    assertThat(stream.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/2.0/mlflow/experiments/search?max_results=5&no_such_field=1",
        "/ajax-api/2.0/mlflow/experiments/search?max_results=5&no_such_field=1",
        "/?limit=5",
        "/experiments/new?no_such_field=1"
      })
  void mlflow_and_pages_still_ignore_what_they_do_not_read(String path) throws Exception {
    assertThat(get(path).statusCode()).as(path).isEqualTo(200);
  }

  private JsonNode refused(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("title").asString()).isEqualTo("Unknown query parameter");
    return problem;
  }

  private static String experiment(String name) {
    return "{\"name\": \"" + name + "\", \"config\": {\"model\": \"mlp\", \"epochs\": 1}}";
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).header("Accept", "application/json").build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, body, "application/json");
  }

  /** {@code body} sent as {@code contentType}; no body when {@code contentType} is null. */
  private HttpResponse<String> send(String method, String path, String body, String contentType)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path)).header("Accept", "application/json");
    if (contentType == null) {
      request.method(method, BodyPublishers.noBody());
    } else {
      request.header("Content-Type", contentType).method(method, BodyPublishers.ofString(body));
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
