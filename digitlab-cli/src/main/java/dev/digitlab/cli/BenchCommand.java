package dev.digitlab.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code digitlab bench …}: the client halves of the benchmarks under {@code bench/}. Hidden from
 * the help: the scripts call it, users do not. Each subcommand prints one JSON line.
 */
@Command(
    name = "bench",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Benchmark clients used by bench/*.sh.",
    subcommands = {
      BenchCommand.Ingest.class,
      BenchCommand.JdbcInsert.class,
      BenchCommand.SseLatency.class
    })
final class BenchCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String metric(long seq) {
    return "{\"seq\":"
        + seq
        + ",\"time\":\"2026-01-01T00:00:00Z\",\"type\":\"metric\",\"payload\":"
        + metricPayload(seq)
        + "}";
  }

  /** The payload of point {@code seq}: the same text the endpoint and the JDBC reference store. */
  static String metricPayload(long seq) {
    return "{\"key\":\"train_loss\",\"value\":"
        + (1.0 / seq)
        + ",\"step\":"
        + seq
        + ",\"epoch\":1}";
  }

  /** The one JSON line both ingestion figures print, so the script compares like with like. */
  static void printRate(CommandLine.Model.CommandSpec spec, int points, int batch, long start) {
    double seconds = (System.nanoTime() - start) / 1e9;
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "{\"points\":%d,\"batch\":%d,\"seconds\":%.3f,\"points_per_second\":%.0f}%n",
            points,
            batch,
            seconds,
            points / seconds);
  }

  /** Posts N metric points in batches through {@code POST /api/v1/trials/{id}/events}. */
  @Command(name = "ingest")
  static final class Ingest implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", required = true)
    String server;

    @Option(names = "--trial", required = true)
    long trial;

    @Option(names = "--points", defaultValue = "200000")
    int points;

    @Option(names = "--batch", defaultValue = "5000")
    int batch;

    @Override
    public Integer call() throws Exception {
      List<String> bodies = new ArrayList<>();
      for (int first = 1; first <= points; first += batch) {
        StringBuilder body = new StringBuilder("{\"attempt\":1,\"events\":[");
        for (long seq = first; seq < Math.min(first + batch, points + 1L); seq++) {
          body.append(seq == first ? "" : ",").append(metric(seq));
        }
        bodies.add(body.append("]}").toString());
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create(server + "/api/v1/trials/" + trial + "/events");
      long start = System.nanoTime();
      for (String body : bodies) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString(body))
                    .build(),
                BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IllegalStateException(
              "ingestion answered " + response.statusCode() + ": " + response.body());
        }
      }
      printRate(spec, points, batch, start);
      return 0;
    }
  }

  /**
   * The reference: the same points with one plain JDBC batch insert per batch, no server, one row
   * per point, into a scratch table shaped as events were stored before blocks (V1 to V8's {@code
   * trial_event}: its keys, index, foreign key and, on H2, V8's id cache), created and dropped here
   * in the server's database.
   */
  @Command(name = "jdbc-insert")
  static final class JdbcInsert implements Callable<Integer> {

    private static final String TABLE = "bench_trial_event";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", required = true)
    String url;

    @Option(names = "--user", defaultValue = "")
    String user;

    @Option(names = "--trial", required = true)
    long trial;

    @Option(names = "--attempt", defaultValue = "2")
    int attempt;

    @Option(names = "--points", defaultValue = "200000")
    int points;

    @Option(names = "--batch", defaultValue = "5000")
    int batch;

    @Override
    public Integer call() throws SQLException {
      try (Connection connection = DriverManager.getConnection(url, user, "")) {
        createTable(connection);
        try {
          long start = System.nanoTime();
          insert(connection);
          printRate(spec, points, batch, start);
        } finally {
          connection.setAutoCommit(true);
          try (Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE " + TABLE);
          }
        }
      }
      return 0;
    }

    private static void createTable(Connection connection) throws SQLException {
      try (Statement statement = connection.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS " + TABLE);
        statement.execute(
            "CREATE TABLE "
                + TABLE
                + """
                 (
                    id         bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE,
                    trial_id   bigint          NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
                    attempt    integer         NOT NULL,
                    seq        bigint          NOT NULL,
                    type       varchar(10)     NOT NULL
                        CHECK (type IN ('metric', 'log', 'progress', 'status', 'artifact')),
                    payload    varchar(100000) NOT NULL,
                    created_at timestamp with time zone NOT NULL,
                    superseded boolean NOT NULL DEFAULT FALSE,
                    PRIMARY KEY (trial_id, attempt, seq)
                )
                """);
        statement.execute("CREATE INDEX " + TABLE + "_stream ON " + TABLE + " (trial_id, id)");
        if ("H2".equalsIgnoreCase(connection.getMetaData().getDatabaseProductName())) {
          statement.execute("ALTER TABLE " + TABLE + " ALTER COLUMN id SET CACHE 10000");
        }
      }
    }

    private void insert(Connection connection) throws SQLException {
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO "
                  + TABLE
                  + " (trial_id, attempt, seq, type, payload, created_at)"
                  + " VALUES (?, ?, ?, 'metric', ?, ?)")) {
        connection.setAutoCommit(false);
        Timestamp now = Timestamp.from(Instant.now());
        for (long seq = 1; seq <= points; seq++) {
          insert.setLong(1, trial);
          insert.setInt(2, attempt);
          insert.setLong(3, seq);
          insert.setString(4, metricPayload(seq));
          insert.setTimestamp(5, now);
          insert.addBatch();
          if (seq % batch == 0 || seq == points) {
            insert.executeBatch();
            connection.commit();
          }
        }
      }
    }
  }

  /**
   * Appends events one at a time through the ingestion endpoint while an SSE client follows the
   * trial; each latency runs from just before the POST to the event's arrival on the stream.
   */
  @Command(name = "sse-latency")
  static final class SseLatency implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", required = true)
    String server;

    @Option(names = "--trial", required = true)
    long trial;

    @Option(names = "--events", defaultValue = "1000")
    int events;

    @Override
    public Integer call() throws Exception {
      BlockingQueue<long[]> arrivals = new LinkedBlockingQueue<>();
      EventFollower follower =
          new EventFollower(
              // Benchmark servers run on loopback without authentication: no token.
              new ApiClient(URI.create(server), null),
              URI.create(server + "/api/v1/trials/" + trial + "/events"),
              Duration.ofSeconds(1),
              3,
              spec.commandLine().getErr());
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      follower.follow(
                          0,
                          message ->
                              arrivals.add(
                                  new long[] {
                                    message.data().path("seq").asLong(), System.nanoTime()
                                  }),
                          () -> false);
                    } catch (InterruptedException | RuntimeException stopped) {
                      // the benchmark is over
                    }
                  });
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create(server + "/api/v1/trials/" + trial + "/events");
      int warmup = Math.max(10, events / 10);
      double[] millis = new double[events];
      for (int i = 1; i <= warmup + events; i++) {
        String body = "{\"attempt\":1,\"events\":[" + metric(i) + "]}";
        long sent = System.nanoTime();
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString(body))
                    .build(),
                BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IllegalStateException(
              "ingestion answered " + response.statusCode() + ": " + response.body());
        }
        long[] arrival = arrivals.poll(30, TimeUnit.SECONDS);
        if (arrival == null || arrival[0] != i) {
          throw new IllegalStateException("event " + i + " did not arrive on the stream in order");
        }
        if (i > warmup) {
          millis[i - warmup - 1] = (arrival[1] - sent) / 1e6;
        }
      }
      reader.interrupt();
      Arrays.sort(millis);
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "{\"events\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}%n",
              events,
              percentile(millis, 0.50),
              percentile(millis, 0.99),
              millis[millis.length - 1]);
      return 0;
    }

    private static double percentile(double[] sorted, double p) {
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
  }
}
