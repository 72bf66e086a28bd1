package dev.digitlab.server.trials;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.ExperimentBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.ObjectMapper;

/**
 * Finding 8 of issue 15: deleting a running experiment left its trial's files on disk, written by
 * the worker after the delete until it dropped the lease. Rule: files of a trial that no longer
 * exists are removed once nothing has written them for a while; a live trial's files stay.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class OrphanTrialFilesTest {

  private static final ObjectMapper JSON = dev.digitlab.ml.json.Json.mapper();

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired TrialStore trials;
  @Autowired TrialDirectories directories;
  @Autowired OrphanTrialFiles orphans;
  @Autowired JdbcClient jdbc;
  @Autowired Clock clock;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_deleted_experiments_files_written_after_the_delete_are_swept_and_live_ones_kept()
      throws Exception {
    long deleted = trialOf(submit("deleted"));
    long kept = trialOf(submit("kept"));
    Path checkpoint = directories.of(deleted).resolve("attempt-1").resolve("checkpoint.dlm");
    Path keptFile = directories.of(kept).resolve("attempt-1").resolve("checkpoint.dlm");
    Files.createDirectories(keptFile.getParent());
    Files.writeString(keptFile, "live");

    long experiment = trials.get(deleted).experimentId();
    assertThat(
            http.send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:" + port + "/api/v1/experiments/" + experiment))
                        .DELETE()
                        .build(),
                    BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(204);
    // The worker running it writes on until it notices its lease is gone.
    Files.createDirectories(checkpoint.getParent());
    Files.writeString(checkpoint, "written after the delete");

    assertThat(orphans.sweep(Duration.ofHours(1))).as("still being written: left alone").isEmpty();
    assertThat(orphans.sweep(Duration.ZERO)).containsExactly(deleted);
    assertThat(directories.of(deleted)).doesNotExist();
    assertThat(keptFile).hasContent("live");
  }

  @Test
  void a_folder_that_vanishes_during_the_walk_skips_only_itself_and_the_others_are_swept()
      throws Exception {
    // Trial ids no row has: orphans from the start.
    long vanishing = 9_000_000_001L;
    long second = 9_000_000_002L;
    long third = 9_000_000_003L;
    for (long id : List.of(vanishing, second, third)) {
      writeAttempts(directories.of(id));
    }
    AtomicBoolean deletedConcurrently = new AtomicBoolean();
    OrphanTrialFiles racing =
        new OrphanTrialFiles(jdbc, directories, clock, home, Duration.ofHours(1)) {
          @Override
          void visiting(Path entry) {
            // At the walk's first entry inside the folder, another delete (an import rolling back)
            // removes the whole folder: the names the walk listed with that entry are gone when it
            // reads them.
            if (directories.of(vanishing).equals(entry.getParent())
                && deletedConcurrently.compareAndSet(false, true)) {
              deleteTree(directories.of(vanishing));
            }
          }
        };
    try {
      assertThat(racing.sweep(Duration.ZERO)).containsExactlyInAnyOrder(second, third);
    } finally {
      racing.destroy();
    }
    assertThat(deletedConcurrently).as("the folder vanished during its walk").isTrue();
    assertThat(directories.of(vanishing)).doesNotExist();
  }

  /** A trial folder with more than one entry, so a walk has names left to read after the first. */
  private static void writeAttempts(Path trial) throws IOException {
    for (String attempt : List.of("attempt-1", "attempt-2")) {
      Files.createDirectories(trial.resolve(attempt));
      Files.writeString(trial.resolve(attempt).resolve("checkpoint.dlm"), attempt);
    }
    Files.writeString(trial.resolve("events.jsonl"), "{}");
  }

  private static void deleteTree(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long submit(String name) throws Exception {
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/experiments"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(ExperimentBuilder.oneTrialFile(name)))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("id").asLong();
  }

  private long trialOf(long experiment) {
    return trials.listByExperiment(experiment).getFirst().id();
  }
}
