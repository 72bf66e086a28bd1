package dev.digitlab.server.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.server.testing.AuthServerTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Rule: an experiment's description, tags and notes can be edited after it was made ({@code PATCH
 * /api/v1/experiments/{id}}), by its owner or an admin only; another user and a viewer get a 403
 * and nothing changes; bad values get a 400 saying what to fix; a field left out stays as it is.
 */
class ExperimentEditTest extends AuthServerTest {

  private static final ObjectMapper JSON = Json.mapper();
  private static final String EXPERIMENT =
      """
      {"name": "editable", "description": "first words", "tags": ["cnn"],
       "config": {"model": "mlp", "epochs": 1}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  @Test
  void the_owner_edits_description_tags_and_notes_and_others_are_refused() throws Exception {
    String alice = tokens.create("alice-edit", Role.USER).secret();
    String bob = tokens.create("bob-edit", Role.USER).secret();
    String viewer = tokens.create("vic-edit", Role.VIEWER).secret();
    String admin = tokens.create("ada-edit", Role.ADMIN).secret();
    HttpResponse<String> created = send("POST", "/api/v1/experiments", alice, EXPERIMENT);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = JSON.readTree(created.body()).path("id").asLong();
    String path = "/api/v1/experiments/" + id;

    // The attacks: another user's and a viewer's edits are refused and change nothing.
    HttpResponse<String> byBob = send("PATCH", path, bob, "{\"description\": \"bob was here\"}");
    assertThat(byBob.statusCode()).isEqualTo(403);
    assertThat(byBob.body()).contains("alice-edit");
    assertThat(send("PATCH", path, viewer, "{\"notes\": \"viewer was here\"}").statusCode())
        .isEqualTo(403);
    JsonNode unchanged = JSON.readTree(send("GET", path + "/about", bob, null).body());
    assertThat(unchanged.path("description").asString()).isEqualTo("first words");
    assertThat(unchanged.path("notes").isNull()).isTrue();

    // The owner edits; a field left out (tags) stays.
    HttpResponse<String> edited =
        send(
            "PATCH",
            path,
            alice,
            "{\"description\": \"  better words \", \"notes\": \"lr 0.01 was too high\"}");
    assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
    JsonNode about = JSON.readTree(edited.body());
    assertThat(about.path("description").asString()).isEqualTo("better words");
    assertThat(about.path("notes").asString()).isEqualTo("lr 0.01 was too high");
    assertThat(about.path("tags").toString()).isEqualTo("[\"cnn\"]");
    JsonNode detail = JSON.readTree(send("GET", path, bob, null).body());
    assertThat(detail.path("description").asString()).isEqualTo("better words");

    // An admin may too; tags are trimmed and de-duplicated, [] clears them.
    HttpResponse<String> tagged =
        send("PATCH", path, admin, "{\"tags\": [\" baseline\", \"mlp\", \"baseline\"]}");
    assertThat(JSON.readTree(tagged.body()).path("tags").toString())
        .isEqualTo("[\"baseline\",\"mlp\"]");
    assertThat(
            JSON.readTree(send("PATCH", path, alice, "{\"tags\": []}").body()).path("tags").size())
        .isZero();

    // Bad values: a 400 naming the field; nothing stored changes.
    for (String bad :
        List.of(
            "{\"tags\": [\"a,b\"]}",
            "{\"tags\": [\"  \"]}",
            "{\"description\": \"" + "x".repeat(10_001) + "\"}")) {
      HttpResponse<String> refused = send("PATCH", path, alice, bad);
      assertThat(refused.statusCode())
          .as(bad.substring(0, Math.min(20, bad.length())))
          .isEqualTo(400);
      assertThat(refused.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
    }
    assertThat(
            JSON.readTree(send("GET", path + "/about", alice, null).body())
                .path("description")
                .asString())
        .isEqualTo("better words");

    // A field this edit does not take (an MLflow user renaming the experiment) is refused, not
    // answered 200 with nothing changed; the fields it came with are not stored either.
    HttpResponse<String> renamed =
        send("PATCH", path, alice, "{\"name\": \"renamed\", \"notes\": \"lost?\"}");
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(400);
    assertThat(JSON.readTree(renamed.body()).path("detail").asString())
        .isEqualTo("name: cannot be edited; the fields are description, tags and notes");
    assertThat(
            JSON.readTree(send("GET", path + "/about", alice, null).body())
                .path("notes")
                .asString(""))
        .doesNotContain("lost?");

    // No such experiment: 404.
    assertThat(send("PATCH", "/api/v1/experiments/999999", admin, "{}").statusCode())
        .isEqualTo(404);
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
