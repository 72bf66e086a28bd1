package dev.digitlab.server.mlflow;

import dev.digitlab.server.testing.PostgresSchema;
import dev.digitlab.testing.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The MLflow API on PostgreSQL: names stay unique under concurrent creates, whose row lock
 * serialises servers sharing it ({@link ConcurrentCreates}); retried metric points are kept once
 * ({@link RetriedPoints}).
 */
@ExtendWith(TestPostgres.Required.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class MlflowOnPostgresTest {

  /** Dropped after the context is closed (see {@link PostgresSchema}). */
  @AutoClose private static final PostgresSchema SCHEMA = PostgresSchema.named("mlflow_names_");

  @TempDir static Path home;

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry properties) {
    SCHEMA.addTo(properties);
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;

  @Test
  void concurrent_creates_of_one_name_make_one_experiment_and_one_model() throws Exception {
    ConcurrentCreates.makeOneOfEach(port, jdbc, "pg-parallel-");
  }

  @Test
  void a_retried_metric_point_is_kept_once() throws Exception {
    RetriedPoints.areKeptOnce(port, jdbc, "pg-retried-points");
  }
}
