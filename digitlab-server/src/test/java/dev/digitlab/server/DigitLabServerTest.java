package dev.digitlab.server;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.database.H2Dialect;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.TrialQueue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The server starts on its default embedded database, under the data home, migrated. */
@SpringBootTest
class DigitLabServerTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void dataHome(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    // No embedded worker: these tests look at queued trials, and would have it fetch MNIST.
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Autowired JdbcClient jdbc;
  @Autowired Dialect dialect;
  @Autowired ExperimentStore experiments;
  @Autowired TrialQueue queue;

  @Test
  void starts_on_an_h2_file_in_the_data_home_with_the_schema_migrated() {
    assertThat(dialect).isInstanceOf(H2Dialect.class);
    assertThat(home.resolve("db/digitlab.mv.db")).satisfies(file -> Files.isRegularFile(file));
    assertThat(
            jdbc.sql(
                    "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL"
                        + " ORDER BY installed_rank")
                .query(String.class)
                .list())
        // Each feature adds its own numbered migration (V2 workers, V3 security, V4 registry,
        // V6 pipelines).
        .startsWith("1", "2")
        .contains("3", "4", "6");
  }

  @Test
  void the_wired_stores_and_queue_work_together() {
    Experiment experiment = experiments.create(anExperiment().withTrials(2).build());

    var lease = queue.claim("embedded", Set.of("cpu"), Duration.ofSeconds(30));

    assertThat(lease).isPresent();
    assertThat(experiments.find(experiment.id()).orElseThrow().status().dbValue())
        .isEqualTo("running");
  }
}
