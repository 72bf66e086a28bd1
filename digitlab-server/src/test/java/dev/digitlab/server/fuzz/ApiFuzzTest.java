package dev.digitlab.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.security.NewToken;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rule: no input makes the server fail. Reads the server's own OpenAPI document and sends every
 * operation random and malformed paths, query parameters, headers and bodies (from a seeded
 * generator: {@code -Ddigitlab.fuzz.seed=N} repeats a run, {@code -Ddigitlab.fuzz.requests=N} sets
 * the requests per operation), as an admin, a user (who owns none of the seeded experiments), a
 * viewer, with a bad token and with none. The user's token has no permission to run programs (issue
 * 15): its command step is refused and no command step is ever stored. Asserts: no 5xx, the server
 * healthy afterwards, and every refused (4xx) request left the stored data exactly as it was.
 * Requests to our API ({@code /api/v1/}) carry no query parameter the operation does not read, so
 * that they reach its handler; a share of their own adds one and must be refused up front with the
 * 400 "Unknown query parameter" problem naming it. Prints the figures.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ApiFuzzTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.auth.enabled", () -> "true");
    properties.add("digitlab.events.keep-alive", () -> "1s");
  }

  /** Every table a request could change; {@code last_used_at} is bookkeeping of any request. */
  private static final Map<String, String> TABLES =
      Map.ofEntries(
          Map.entry("experiment", "SELECT * FROM experiment ORDER BY id"),
          Map.entry(
              "experiment_tag", "SELECT * FROM experiment_tag ORDER BY experiment_id, tag_key"),
          Map.entry("run_param", "SELECT * FROM run_param ORDER BY trial_id, param_key"),
          Map.entry("run_tag", "SELECT * FROM run_tag ORDER BY trial_id, tag_key"),
          Map.entry("run_metric", "SELECT * FROM run_metric ORDER BY trial_id, metric_key"),
          Map.entry("run_artifact", "SELECT * FROM run_artifact ORDER BY trial_id, path"),
          Map.entry(
              "mlflow_registered_model", "SELECT * FROM mlflow_registered_model ORDER BY name"),
          Map.entry(
              "mlflow_model_version", "SELECT * FROM mlflow_model_version ORDER BY name, version"),
          Map.entry("trial", "SELECT * FROM trial ORDER BY id"),
          Map.entry("trial_event_block", "SELECT * FROM trial_event_block ORDER BY first_id"),
          Map.entry(
              "api_token",
              "SELECT id, name, role, token_hash, created_at, revoked_at FROM api_token ORDER BY id"));

  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;
  @Autowired TokenStore tokens;

  private String admin;
  private long adminId;

  /**
   * The stored data as the last request left it, or null when unknown: the state after one request
   * is the next one's "before", so each request costs one snapshot, not two (this test sends about
   * 11,000 requests; the snapshots were most of its time).
   */
  private Map<String, List<Map<String, Object>>> current;

  private String user;
  private String viewer;

  @Test
  void no_input_makes_the_server_fail_or_lose_data() throws Exception {
    long seed = Long.getLong("digitlab.fuzz.seed", 20261123L);
    int perOperation = Integer.getInteger("digitlab.fuzz.requests", 60);
    Random random = new Random(seed);
    admin = Files.readString(home.resolve("admin-token")).strip();
    adminId = tokens.list().getFirst().id();
    user = tokens.create("fuzz-user", Role.USER).secret();
    viewer = tokens.create("fuzz-viewer", Role.VIEWER).secret();
    seedData();

    // Issue 15: the user token has no permission to run programs; its command step is refused
    // (403 naming run-commands), and after the fuzzing no request has stored a command step.
    // Checked first: the fuzzing may revoke the user's token.
    assertThat(tokens.list().stream().filter(t -> t.name().equals("fuzz-user")).findFirst())
        .hasValueSatisfying(t -> assertThat(t.mayRunCommands()).isFalse());
    HttpResponse<String> command =
        send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/pipelines"))
                .header("Authorization", "Bearer " + user)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"sh\",\"steps\":[{\"name\":\"s\",\"type\":\"command\","
                            + "\"parameters\":{\"executable\":\"sh\",\"args\":[\"-c\",\"id\"]}}]}")));
    assertThat(command.statusCode()).isEqualTo(403);

    JsonNode document = json.readTree(send(get("/v3/api-docs", admin)).body());
    List<Operation> operations = Operation.all(document);
    assertThat(operations).as("operations in the OpenAPI document").hasSizeGreaterThan(15);
    Inputs inputs = new Inputs(random, this::ids);

    Tally tally = new Tally();
    for (Operation operation : operations) {
      for (int i = 0; i < perOperation; i++) {
        FuzzRequest request = inputs.request(operation);
        exchange(tally, request);
      }
      // On top of those, which reach the handlers: a tenth as many with a query parameter the
      // operation does not read, which our API refuses before the handler runs.
      if (Inputs.refusesUnknownParameters(operation)) {
        for (int i = 0; i < Math.max(1, perOperation / 10); i++) {
          exchange(tally, inputs.withUnknownParameter(operation));
        }
      }
    }
    for (String raw : Inputs.RAW_REQUESTS) {
      tally.count("RAW " + raw.lines().findFirst().orElse(""), rawStatus(raw));
    }

    assertThat(
            jdbc.sql("SELECT COUNT(*) FROM pipeline_step WHERE type = 'command'")
                .query(Long.class)
                .single())
        .isZero();
    System.out.println(tally.report(seed, operations.size()));
    assertThat(tally.serverErrors).as("requests answered 5xx").isEmpty();
    assertThat(tally.changedData).as("refused requests that changed stored data").isEmpty();
    assertThat(tally.javaNames).as("error bodies naming Java types (issue 15)").isEmpty();
    assertThat(tally.unknownParameterRefused)
        .as("requests with an unknown query parameter refused as such")
        .isPositive();
    assertThat(tally.unknownParameterNotRefused)
        .as("requests with an unknown query parameter not refused as such")
        .isEmpty();
    HttpResponse<String> health = send(get("/actuator/health", null));
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"UP\"");
    assertThat(send(get("/api/v1/experiments", admin)).statusCode()).isEqualTo(200);
  }

  private void exchange(Tally tally, FuzzRequest request) throws Exception {
    String token =
        switch (request.caller()) {
          case ADMIN -> admin;
          case USER -> user;
          case VIEWER -> viewer;
          case BAD_TOKEN -> "dlt_" + "A".repeat(43);
          case NOBODY -> null;
        };
    HttpRequest built;
    try {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(URI.create("http://localhost:" + port + request.target()))
              // Catches an endpoint that never answers; long, since on a loaded machine one of
              // hundreds of requests may stall for seconds (a GC pause, the test JVM at nice 19).
              .timeout(Duration.ofSeconds(60))
              .method(
                  request.method(),
                  request.body() == null
                      ? BodyPublishers.noBody()
                      : BodyPublishers.ofByteArray(request.body()));
      request.headers().forEach(builder::header);
      if (token != null) {
        builder.header("Authorization", "Bearer " + token);
      }
      built = builder.build();
    } catch (IllegalArgumentException unsendable) {
      tally.unsendable++;
      return; // a URI or header no HTTP client sends; the raw requests cover some of those
    }
    Map<String, List<Map<String, Object>>> before = current != null ? current : snapshot();
    // Headers come back before a stream's events: an open SSE stream is closed at once.
    HttpResponse<InputStream> response = http.send(built, BodyHandlers.ofInputStream());
    int status = response.statusCode();
    String body;
    try (InputStream in = response.body()) {
      body =
          response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")
              ? "(event stream)"
              : new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    }
    tally.count(request.method() + " " + request.operation(), status);
    current = snapshot();
    if (status >= 500) {
      tally.serverErrors.add(request.describe() + " -> " + status + " " + body);
    } else if (status >= 400 && !current.equals(before)) {
      tally.changedData.add(request.describe() + " -> " + status + " " + body);
    }
    if (status >= 400 && JAVA_NAMES.matcher(body).find()) {
      tally.javaNames.add(request.describe() + " -> " + status + " " + body);
    }
    if (request.unknownParameter() != null) {
      if (refusedAsUnknown(status, body, request.unknownParameter())) {
        tally.unknownParameterRefused++;
      } else {
        tally.unknownParameterNotRefused.add(request.describe() + " -> " + status + " " + body);
      }
    }
    if (!tokens.active(adminId)) {
      // A random DELETE /tokens/{id} revoked the fuzzer's own admin token: a success, not a bug.
      NewToken fresh = tokens.create("fuzz-admin", Role.ADMIN);
      admin = fresh.secret();
      adminId = fresh.token().id();
      current = null; // the new token is a row the next request's "before" must hold
    }
  }

  /** Whether the answer is the 400 "Unknown query parameter" problem, naming {@code name}. */
  private boolean refusedAsUnknown(int status, String body, String name) {
    if (status != 400) {
      return false;
    }
    JsonNode problem;
    try {
      problem = json.readTree(body);
    } catch (tools.jackson.core.JacksonException notJson) {
      return false;
    }
    if (!"Unknown query parameter".equals(string(problem.path("title")))) {
      return false;
    }
    for (JsonNode error : problem.path("errors")) {
      if (name.equals(string(error.path("path")))) {
        return true;
      }
    }
    return false;
  }

  private static String string(JsonNode node) {
    return node.isString() ? node.asString() : null;
  }

  private int rawStatus(String raw) throws Exception {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String statusLine =
          new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
      return statusLine.length() >= 12 ? Integer.parseInt(statusLine.substring(9, 12)) : 0;
    }
  }

  /** A few experiments, trials and events, so that valid ids lead somewhere. */
  private void seedData() throws Exception {
    for (String name : List.of("fuzz-a", "fuzz-b")) {
      HttpResponse<String> created =
          send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/experiments"))
                  .header("Authorization", "Bearer " + admin)
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofString(Inputs.experiment(name))));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }
    long trial = ids("trial").getFirst();
    HttpResponse<String> events =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/api/v1/trials/" + trial + "/events"))
                .header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(Inputs.eventBatch())));
    assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
  }

  private List<Long> ids(String table) {
    return jdbc.sql("SELECT id FROM " + table + " ORDER BY id").query(Long.class).list();
  }

  private Map<String, List<Map<String, Object>>> snapshot() {
    Map<String, List<Map<String, Object>>> tables = new TreeMap<>();
    TABLES.forEach((table, sql) -> tables.put(table, jdbc.sql(sql).query(ApiFuzzTest::row).list()));
    return tables;
  }

  /** A row's columns, a byte array (an event block's body) as hex so that rows compare by value. */
  private static Map<String, Object> row(ResultSet row, int rowNumber) throws SQLException {
    Map<String, Object> columns = new TreeMap<>();
    for (int column = 1; column <= row.getMetaData().getColumnCount(); column++) {
      Object value = row.getObject(column);
      columns.put(
          row.getMetaData().getColumnLabel(column),
          value instanceof byte[] bytes ? HexFormat.of().formatHex(bytes) : value);
    }
    return columns;
  }

  private HttpRequest.Builder get(String path, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }

  /** What no error body may hold (issue 15, finding 11): Java packages or exception names. */
  private static final java.util.regex.Pattern JAVA_NAMES =
      java.util.regex.Pattern.compile(
          "\\bjava\\.|\\bjavax\\.|\\bjakarta\\.|dev\\.digitlab|tools\\.jackson|com\\.fasterxml"
              + "|org\\.springframework|org\\.apache|[a-z]Exception\\b");

  /** Requests sent, and what came back. */
  private static final class Tally {
    final Map<Integer, Integer> byStatus = new TreeMap<>();
    final Map<String, Map<Integer, Integer>> byOperation = new TreeMap<>();
    final List<String> serverErrors = new ArrayList<>();
    final List<String> changedData = new ArrayList<>();
    final List<String> javaNames = new ArrayList<>();
    final List<String> unknownParameterNotRefused = new ArrayList<>();
    int unknownParameterRefused;
    int sent;
    int unsendable;

    void count(String operation, int status) {
      sent++;
      byStatus.merge(status, 1, Integer::sum);
      byOperation.computeIfAbsent(operation, o -> new TreeMap<>()).merge(status, 1, Integer::sum);
    }

    String report(long seed, int operations) {
      StringBuilder out = new StringBuilder();
      long fivexx =
          byStatus.entrySet().stream()
              .filter(e -> e.getKey() >= 500)
              .mapToLong(Map.Entry::getValue)
              .sum();
      out.append("API fuzz (seed ")
          .append(seed)
          .append("): ")
          .append(operations)
          .append(" operations, requests sent: ")
          .append(sent)
          .append(", 5xx: ")
          .append(fivexx)
          .append(", refused requests that changed data: ")
          .append(changedData.size())
          .append(" (not sendable by an HTTP client, skipped: ")
          .append(unsendable)
          .append("), with an unknown query parameter and refused as such: ")
          .append(unknownParameterRefused)
          .append("\n");
      out.append("  by status:");
      byStatus.forEach((status, n) -> out.append(' ').append(status).append('=').append(n));
      out.append('\n');
      byOperation.forEach(
          (operation, statuses) ->
              out.append("  ").append(operation).append(' ').append(statuses).append('\n'));
      serverErrors.stream().limit(50).forEach(e -> out.append("  5xx: ").append(e).append('\n'));
      changedData.stream().limit(50).forEach(e -> out.append("  changed: ").append(e).append('\n'));
      unknownParameterNotRefused.stream()
          .limit(50)
          .forEach(e -> out.append("  not refused as unknown: ").append(e).append('\n'));
      return out.toString();
    }
  }
}
