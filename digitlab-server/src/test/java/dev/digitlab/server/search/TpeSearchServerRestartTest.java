package dev.digitlab.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.DigitLabServer;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The "a server restart mid-search continues it (H2 and PostgreSQL)", with real server
 * processes' worth of state: a whole Spring context (web server, beans, caches, the search's parsed
 * specs) is closed in the middle of a TPE search and a new one is started on the same H2 file or
 * the same PostgreSQL schema. Two trials are running when it stops; their worker, which outlives
 * the server as a remote one does, reports them to the new server. The search must then suggest
 * exactly what one uninterrupted server suggests (the reference run, on a database of its own): the
 * same config at every ordinal, no ordinal repeated or skipped, exactly {@code maxTrials} trials,
 * and the experiment succeeded.
 */
@ExtendWith(TestPostgres.Required.class)
class TpeSearchServerRestartTest {

  private static final String SPEC =
      """
      name: tpe-restart
      config: {model: mlp, epochs: 1}
      objective: {metric: test_f1_macro}
      search:
        type: tpe
        maxTrials: 14
        parallelism: 2
        nStartupTrials: 4
        seed: 18
        parameters:
          learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
          dropout: {min: 0, max: 0.5}
          batchSize: [32, 64, 128, 256]
      maxParallelTrials: 2
      """;
  private static final int MAX_TRIALS = 14;
  // Trials finished by the first server: past the 4 random startup ones, into TPE's own.
  private static final int BEFORE_RESTART = 7;
  // Long enough that no held trial goes back to the queue while its server is down.
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = Json.mapper();

  @TempDir Path referenceHome;
  @TempDir Path home;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_restarted_server_on_the_same_h2_file_continues_the_search() throws Exception {
    List<String> reference = run(() -> start(referenceHome), -1);
    List<String> restarted = run(() -> start(home), BEFORE_RESTART);
    assertThat(home.resolve("db/digitlab.mv.db")).isRegularFile();
    assertThat(restarted).containsExactlyElementsOf(reference);
  }

  @Test
  void a_restarted_server_on_the_same_postgresql_schema_continues_the_search() throws Exception {
    String postgres = TestDatabase.postgresUrl();
    String referenceSchema = TestDatabase.randomName("tpe_reference_");
    String schema = TestDatabase.randomName("tpe_restart_");
    try {
      List<String> reference = run(() -> start(referenceHome, postgres, referenceSchema), -1);
      List<String> restarted = run(() -> start(home, postgres, schema), BEFORE_RESTART);
      assertThat(restarted).containsExactlyElementsOf(reference);
    } finally {
      try (Connection connection = DriverManager.getConnection(postgres);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + referenceSchema + " CASCADE");
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  /**
   * Runs the whole search, one worker pool finishing the oldest held trial at each step; when
   * {@code restartAfter} steps are done, the server is closed with trials held and a new one
   * started on the same database. Returns the trials' configs by ordinal.
   */
  private List<String> run(Supplier<ConfigurableApplicationContext> servers, int restartAfter)
      throws Exception {
    Deque<Lease> held = new ArrayDeque<>();
    ConfigurableApplicationContext server = servers.get();
    try {
      long experiment = submit(server);
      int steps = 0;
      while (true) {
        if (steps == restartAfter) {
          claimAll(server, held);
          assertThat(held).as("trials running when the server stops").hasSize(2);
          List<String> before = configs(server, experiment);
          server.close();
          server = servers.get();
          // The new server suggests nothing on its own: the search waits for its trials.
          assertThat(configs(server, experiment)).containsExactlyElementsOf(before);
        }
        if (!step(server, held)) {
          break;
        }
        steps++;
      }
      assertThat(steps).isEqualTo(MAX_TRIALS);
      JsonNode view = get(server, "/api/v1/experiments/" + experiment);
      assertThat(view.get("status").asString()).isEqualTo("succeeded");
      List<Integer> ordinals = new ArrayList<>();
      for (JsonNode trial : view.get("trials")) {
        assertThat(trial.get("status").asString()).isEqualTo("succeeded");
        ordinals.add(trial.get("ordinal").asInt());
      }
      assertThat(ordinals).containsExactlyInAnyOrderElementsOf(range(MAX_TRIALS));
      List<String> configs = configs(server, experiment);
      assertThat(configs).hasSize(MAX_TRIALS);
      assertThat(new HashSet<>(configs)).as("no suggestion repeated").hasSize(MAX_TRIALS);
      return configs;
    } finally {
      server.close();
    }
  }

  /** Claims what can be claimed, then finishes the oldest held trial; false when none was left. */
  private static boolean step(ConfigurableApplicationContext server, Deque<Lease> held)
      throws Exception {
    TrialQueue queue = server.getBean(TrialQueue.class);
    claimAll(server, held);
    assertThat(held.size()).as("pending trials within parallelism").isLessThanOrEqualTo(2);
    Lease oldest = held.poll();
    if (oldest == null) {
      return false;
    }
    double f1 = f1(oldest.config());
    queue.complete(
        oldest.trialId(),
        oldest.leaseToken(),
        new TrialOutcome.Succeeded(f1, f1, null, 1.0, "{\"test_f1_macro\":" + f1 + "}"));
    return true;
  }

  private static void claimAll(ConfigurableApplicationContext server, Deque<Lease> held) {
    TrialQueue queue = server.getBean(TrialQueue.class);
    Optional<Lease> lease;
    while ((lease = queue.claim("remote-worker", Set.of("cpu"), LEASE)).isPresent()) {
      held.add(lease.get());
    }
  }

  /** A synthetic objective of the trial's config, best near lr 3e-3, dropout 0.2, batch 64. */
  private static double f1(String config) throws Exception {
    JsonNode c = JSON.readTree(config);
    double lr = Math.log10(c.get("learningRate").asDouble()) + 2.5;
    double dropout = c.get("dropout").asDouble() - 0.2;
    double batch = Math.abs(Math.log(c.get("batchSize").asDouble() / 64.0));
    return 1 - 0.05 * lr * lr - dropout * dropout - 0.02 * batch;
  }

  private long submit(ConfigurableApplicationContext server) throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(uri(server, "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(SPEC))
                .build(),
            BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return JSON.readTree(created.body()).get("id").asLong();
  }

  /** The trials' configs (with the suggested parameters) in ordinal order, through the API. */
  private List<String> configs(ConfigurableApplicationContext server, long experiment)
      throws Exception {
    JsonNode view = get(server, "/api/v1/experiments/" + experiment);
    List<JsonNode> trials = new ArrayList<>();
    view.get("trials").forEach(trials::add);
    trials.sort((a, b) -> Integer.compare(a.get("ordinal").asInt(), b.get("ordinal").asInt()));
    List<String> out = new ArrayList<>();
    for (JsonNode trial : trials) {
      out.add(trial.get("ordinal").asInt() + " " + trial.get("config").toString());
    }
    return out;
  }

  private static ConfigurableApplicationContext start(Path home, String... database) {
    List<String> args = new ArrayList<>();
    args.add("--digitlab.home=" + home);
    args.add("--server.port=0");
    // No embedded worker: the test is the (remote) worker, and it outlives the server.
    args.add("--digitlab.worker.slots=0");
    if (database.length == 2) {
      args.add("--spring.datasource.url=" + database[0] + "&currentSchema=" + database[1]);
      args.add("--spring.flyway.schemas=" + database[1]);
    }
    return new SpringApplicationBuilder(DigitLabServer.class).run(args.toArray(String[]::new));
  }

  private static ConfigurableApplicationContext start(Path home) {
    return start(home, new String[0]);
  }

  private JsonNode get(ConfigurableApplicationContext server, String path) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri(server, path)).build(), BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static URI uri(ConfigurableApplicationContext server, String path) {
    return URI.create(
        "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port") + path);
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }
}
