package dev.digitlab.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab watch ID}: an experiment's (or a trial's) events, live, until it stops. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow an experiment live: a progress line per trial (epoch, %%, images/s, loss, ETA),"
          + " then its final metrics. Reconnects by itself when the connection drops.",
      "Exit code 0 when it succeeded, 1 when it failed or was cancelled."
    })
final class WatchCommand implements Callable<Integer> {

  private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "ID", description = "The experiment's id (with --trial: the trial's).")
  long id;

  @Option(names = "--trial", description = "ID is a trial, not an experiment.")
  boolean trial;

  @Option(
      names = "--retry-delay",
      paramLabel = "DURATION",
      defaultValue = "PT2S",
      hidden = true,
      description = "Wait before reconnecting (ISO-8601, default PT2S).")
  Duration retryDelay;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient client = server.client();
    String path = (trial ? "/api/v1/trials/" : "/api/v1/experiments/") + id;
    client.get(path); // an unknown id fails here, with the server's message
    PrintWriter out = spec.commandLine().getOut();
    Board board = new Board(out);
    new EventFollower(
            client,
            URI.create(client.server() + path + "/events"),
            retryDelay,
            10,
            spec.commandLine().getErr())
        .follow(0, board::show, () -> stopped(client.get(path)));
    JsonNode last = client.get(path);
    String status = last.path("status").asString();
    if (trial) {
      out.println("Trial " + id + " " + status + board.results(id));
    } else {
      out.println(
          "Experiment "
              + id
              + " "
              + status
              + (last.path("bestTrialId").isNumber()
                  ? ": best trial "
                      + last.path("bestTrialId").asLong()
                      + ", "
                      + last.path("objective").path("metric").asString()
                      + " "
                      + Text.number(last.path("bestObjective"))
                  : ""));
    }
    out.flush();
    return "succeeded".equals(status) ? 0 : 1;
  }

  private boolean stopped(JsonNode watched) {
    if (trial) {
      return TERMINAL.contains(watched.path("status").asString());
    }
    JsonNode counts = watched.path("trialCounts");
    return counts.path("queued").asInt() + counts.path("running").asInt() == 0;
  }

  /** What the user sees: a line per trial's progress (at most one a second), status and results. */
  static final class Board {

    private static final long PRINT_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private final PrintWriter out;
    private final Map<Long, Double> loss = new HashMap<>();
    private final Map<Long, Map<String, Double>> testMetrics = new HashMap<>();
    private final Map<Long, Long> printedAt = new HashMap<>();

    Board(PrintWriter out) {
      this.out = out;
    }

    void show(EventFollower.Message message) {
      JsonNode data = message.data();
      long trialId = data.path("trialId").asLong();
      JsonNode payload = data.path("payload");
      switch (message.type()) {
        case "metric" -> {
          String key = payload.path("key").asString();
          if (key.equals("train_loss")) {
            loss.put(trialId, payload.path("value").asDouble());
          } else if (key.startsWith("test_")) {
            testMetrics
                .computeIfAbsent(trialId, t -> new LinkedHashMap<>())
                .put(key, payload.path("value").asDouble());
          }
        }
        case "progress" -> progress(trialId, payload);
        case "status" -> {
          String status = payload.path("status").asString();
          // A program's failure reason is the tail of its stderr: escaped as its log lines are.
          String reason = Text.safeLines(payload.path("reason").asString(""));
          out.println(
              "trial "
                  + trialId
                  + "  "
                  + status
                  + (reason.isEmpty() ? "" : " (" + reason + ")")
                  + ("succeeded".equals(status) ? results(trialId) : ""));
          out.flush();
        }
        default -> {}
      }
    }

    String results(long trialId) {
      Map<String, Double> metrics = testMetrics.getOrDefault(trialId, Map.of());
      StringBuilder text = new StringBuilder();
      for (String key : new String[] {"test_accuracy", "test_f1_macro", "test_loss"}) {
        if (metrics.containsKey(key)) {
          text.append(String.format(Locale.ROOT, "  %s %.4f", key, metrics.get(key)));
        }
      }
      return text.toString();
    }

    private void progress(long trialId, JsonNode p) {
      long now = System.nanoTime();
      double fraction = p.path("fraction").asDouble();
      Long before = printedAt.get(trialId);
      if (before != null && now - before < PRINT_EVERY_NANOS && fraction < 1) {
        return;
      }
      printedAt.put(trialId, now);
      out.println(progressLine(trialId, p, loss.get(trialId)));
      out.flush();
    }

    static String progressLine(long trialId, JsonNode p, Double loss) {
      double fraction = p.path("fraction").asDouble();
      int filled = (int) Math.round(fraction * 20);
      JsonNode eta = p.path("etaSeconds");
      return String.format(
          Locale.ROOT,
          "trial %d  epoch %d/%d  [%s%s] %3.0f%%  %,.0f img/s  loss %s  ETA %s",
          trialId,
          p.path("epoch").asInt(),
          p.path("epochs").asInt(),
          "#".repeat(filled),
          "-".repeat(20 - filled),
          fraction * 100,
          p.path("imagesPerSecond").asDouble(),
          loss == null ? "-" : String.format(Locale.ROOT, "%.4f", loss),
          eta.isNumber() ? duration(eta.asDouble()) : "-");
    }

    private static String duration(double seconds) {
      long s = Math.round(seconds);
      return s >= 3600
          ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
          : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
  }
}
