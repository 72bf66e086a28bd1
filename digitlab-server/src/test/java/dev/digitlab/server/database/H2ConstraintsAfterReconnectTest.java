package dev.digitlab.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.digitlab.server.testing.OpenServerTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * The embedded database takes inserts into tables with {@code IN (…)} check constraints after the
 * pool replaced every connection, as Hikari does after 30 minutes: on H2 2.4.240 such a constraint
 * failed ("Check constraint invalid … The database has been closed") once the connection that ran
 * the migrations was gone, so a fresh server answered 500 to every metric point and new experiment
 * half an hour after its first start ({@link H2ReopenAfterMigrations}).
 */
class H2ConstraintsAfterReconnectTest extends OpenServerTest {

  @Autowired DataSource dataSource;

  @Value("${local.server.port}")
  int port;

  @Test
  void inserts_pass_their_check_constraints_after_the_pool_replaced_its_connections()
      throws Exception {
    HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
    // One connection outside the pool keeps the database open while the pool's close, as the
    // pool's other connections do when Hikari retires them one by one.
    try (Connection keepOpen =
        DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword())) {
      for (int i = 0; i < 2; i++) {
        // twice: a connection in use at the first call is evicted when it comes back
        pool.getHikariPoolMXBean().softEvictConnections();
        Thread.sleep(200);
      }
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> experiment =
          post(http, "experiments/create", "{\"name\": \"after-reconnect\"}");
      assertThat(experiment.statusCode()).as(experiment.body()).isEqualTo(200);
      String experimentId = experiment.body().replaceAll("\\D+", "");
      HttpResponse<String> run =
          post(http, "runs/create", "{\"experiment_id\": \"" + experimentId + "\"}");
      assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
      String runId = run.body().replaceFirst("(?s).*\"run_id\":\"(\\d+)\".*", "$1");
      HttpResponse<String> metric =
          post(
              http,
              "runs/log-metric",
              "{\"run_id\": \""
                  + runId
                  + "\", \"key\": \"loss\", \"value\": 0.5, \"timestamp\": 1}");
      assertThat(metric.statusCode()).as(metric.body()).isEqualTo(200);
      assertThat(keepOpen.isValid(1)).isTrue();
    }
  }

  private HttpResponse<String> post(HttpClient http, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/2.0/mlflow/" + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
