/*
 * Benchmark client for Digit Lab's MLflow-compatible API (not a test). Run with the JDK's
 * single-file source launcher, no build:
 *
 *   java bench/java/MlflowBench.java ingest <server> <clients> <requests per client>
 *   java bench/java/MlflowBench.java seed-runs <server> <experiment id> <runs>
 *   java bench/java/MlflowBench.java search <server> <experiment id> <rounds>
 *
 * Called by bench/mlflow-ingestion.sh. Only the JDK is used. stdout: JSON lines only.
 */

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class MlflowBench {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern ID = Pattern.compile("\"(?:experiment_id|run_id)\"\\s*:\\s*\"(\\d+)\"");

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "ingest" -> ingest(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "seed-runs" -> seedRuns(args[1], args[2], Integer.parseInt(args[3]));
      case "search" -> search(args[1], args[2], Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  /**
   * Each client makes a run, then sends log-batch requests of 1,000 metric points each, as the
   * Python client serialises them (int64 fields as strings). The body is built once per client.
   */
  static void ingest(String server, int clients, int requests) throws Exception {
    String experiment = id(post(server, "experiments/create",
        "{\"name\": \"bench-ingest-" + System.nanoTime() + "\"}"));
    List<String> runs = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      runs.add(id(post(server, "runs/create", "{\"experiment_id\": \"" + experiment + "\"}")));
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    // one warm-up request per client
    for (String run : runs) {
      post(server, "runs/log-batch", body(run, 0));
    }
    long start = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (String run : runs) {
      done.add(pool.submit(() -> {
        for (int r = 1; r <= requests; r++) {
          post(server, "runs/log-batch", body(run, r * 1000L));
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long points = (long) clients * requests * 1000;
    System.out.printf(Locale.ROOT,
        "{\"clients\":%d,\"points\":%d,\"seconds\":%.3f,\"points_per_second\":%.0f}%n",
        clients, points, seconds, points / seconds);
  }

  static String body(String run, long firstStep) {
    StringBuilder json = new StringBuilder(90_000).append("{\"run_id\": \"").append(run)
        .append("\", \"metrics\": [");
    long now = System.currentTimeMillis();
    for (int i = 0; i < 1000; i++) {
      json.append(i == 0 ? "" : ", ").append("{\"key\": \"loss_").append(i % 10)
          .append("\", \"value\": ").append(1.0 / (i + 1)).append(", \"timestamp\": \"")
          .append(now).append("\", \"step\": \"").append(firstStep + i / 10).append("\"}");
    }
    return json.append("]}").toString();
  }

  /** {@code runs} runs with a metric rmse and a param alpha each, from 4 threads. */
  static void seedRuns(String server, String experiment, int runs) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      int n = i;
      done.add(pool.submit(() -> {
        String run = id(post(server, "runs/create", "{\"experiment_id\": \"" + experiment + "\"}"));
        post(server, "runs/log-batch", "{\"run_id\": \"" + run + "\", \"metrics\": [{\"key\": \"rmse\", \"value\": "
            + ((n * 7919) % 10000) / 10000.0 + ", \"timestamp\": 1, \"step\": 0}], \"params\": [{\"key\": \"alpha\", \"value\": \""
            + (n % 10) / 10.0 + "\"}]}");
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  /** runs/search with a metric filter and an order, 100 results; latency percentiles in ms. */
  static void search(String server, String experiment, int rounds) throws Exception {
    String body = "{\"experiment_ids\": [\"" + experiment + "\"], \"filter\": \"metrics.rmse < 0.5"
        + " and params.alpha = '0.3'\", \"order_by\": [\"metrics.rmse ASC\"], \"max_results\": 100}";
    for (int i = 0; i < 10; i++) {
      post(server, "runs/search", body);
    }
    double[] ms = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long start = System.nanoTime();
      post(server, "runs/search", body);
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "{\"rounds\":%d,\"p50_ms\":%.1f,\"p95_ms\":%.1f}%n", rounds,
        ms[rounds / 2], ms[(int) Math.ceil(rounds * 0.95) - 1]);
  }

  static String post(String server, String path, String body) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create(server + "/api/2.0/mlflow/" + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  static String id(String json) {
    Matcher m = ID.matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no id in " + json);
    }
    return m.group(1);
  }
}
