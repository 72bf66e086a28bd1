package dev.digitlab.server.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parallel jobs that each call {@code mlflow.set_experiment("x")} or {@code
 * mlflow.register_model(…, "m")} create one name at once: one create wins, every other gets
 * RESOURCE_ALREADY_EXISTS (the client then reads the winner's), never a second experiment "x" (runs
 * split between two) or a 500. Run on H2 ({@link MlflowRawJsonTest}) and on PostgreSQL ({@link
 * MlflowOnPostgresTest}).
 */
final class ConcurrentCreates {

  private ConcurrentCreates() {}

  static void makeOneOfEach(int port, JdbcClient jdbc, String prefix) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (int round = 0; round < 12; round++) {
      String name = prefix + round;
      for (String path : List.of("experiments/create", "registered-models/create")) {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          answers.add(
              http.sendAsync(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/api/2.0/mlflow/" + path))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"" + name + "\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
        }
        int created = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
          HttpResponse<String> response = answer.get();
          if (response.statusCode() == 200) {
            created++;
          } else {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(
                    JsonMapper.builder()
                        .build()
                        .readTree(response.body())
                        .path("error_code")
                        .asString())
                .isEqualTo("RESOURCE_ALREADY_EXISTS");
          }
        }
        assertThat(created).as(path + " " + name).isEqualTo(1);
      }
      assertThat(
              jdbc.sql("SELECT COUNT(*) FROM experiment WHERE name = :name")
                  .param("name", name)
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    }
  }
}
