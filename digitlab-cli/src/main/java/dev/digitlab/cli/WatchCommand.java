package dev.digitlab.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** {@code digitlab watch ID}: an experiment's (or a trial's) events, live, until it stops. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow an experiment live: a progress line per trial (epoch, %%, images/s, loss, ETA),"
          + " or a program's own metrics when they change, then its final metrics. Reconnects by"
          + " itself when the connection drops.",
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
    JsonNode watched = client.get(path); // an unknown id fails here, with the server's message
    JsonNode experiment = watched;
    if (trial) {
      JsonNode experimentId = watched.path("experimentId");
      // Without it (an older server) the trial is shown as one of our trainer's.
      experiment =
          experimentId.isNumber()
              ? client.get("/api/v1/experiments/" + experimentId.asLong())
              : JsonNodeFactory.instance.objectNode();
    }
    PrintWriter out = spec.commandLine().getOut();
    Board board =
        new Board(
            out,
            System::nanoTime,
            experiment.path("objective").path("metric").asString(null),
            experiment.path("spec").has("command"));
    // A program's metrics come one event per key: the ticker prints a trial's line shortly after
    // they changed, with whatever else arrived meanwhile, rather than one line per key.
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            task -> Thread.ofPlatform().daemon().name("watch-ticker").unstarted(task));
    try {
      ticker.scheduleWithFixedDelay(board::tick, 250, 250, TimeUnit.MILLISECONDS);
      new EventFollower(
              client,
              URI.create(client.server() + path + "/events"),
              retryDelay,
              10,
              spec.commandLine().getErr())
          .follow(0, board::show, () -> stopped(client.get(path)));
    } finally {
      ticker.shutdownNow();
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    }
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

  /**
   * What the user sees: a line per trial's progress (at most one a second), status and results.
   * Trials of a program (a command experiment) send no progress: for them, a line of their latest
   * metrics when these changed, at most one a second, printed by {@link #tick}.
   */
  static final class Board {

    private static final long PRINT_EVERY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int MAX_KEYS = 6;
    private static final Set<String> ENDED = Set.of("failed", "cancelled");

    private final PrintWriter out;
    private final LongSupplier clock;
    private final String objective;
    private final boolean programs;
    private final Map<Long, Map<String, Double>> metrics = new HashMap<>();
    private final Map<Long, Map<String, Long>> steps = new HashMap<>();
    private final Set<Long> progressing = new HashSet<>();
    private final Set<Long> changed = new LinkedHashSet<>();
    private final Map<Long, Long> printedAt = new HashMap<>();

    /**
     * @param clock nanoseconds, as {@link System#nanoTime}
     * @param objective the experiment's objective metric, printed first; null if unknown
     * @param programs whether the experiment runs a program, whose metrics have its own names
     */
    Board(PrintWriter out, LongSupplier clock, String objective, boolean programs) {
      this.out = out;
      this.clock = clock;
      this.objective = objective;
      this.programs = programs;
    }

    synchronized void show(EventFollower.Message message) {
      JsonNode data = message.data();
      long trialId = data.path("trialId").asLong();
      JsonNode payload = data.path("payload");
      switch (message.type()) {
        case "metric" -> metric(trialId, payload);
        case "progress" -> {
          progressing.add(trialId);
          changed.remove(trialId);
          progress(trialId, payload);
        }
        case "status" -> {
          String status = payload.path("status").asString();
          if (changed.remove(trialId) && ENDED.contains(status)) {
            // Its last figures: a failed trial's results line shows none.
            out.println(metricsLine(trialId));
          }
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

    /**
     * Prints the metrics line of each trial whose metrics changed, unless it printed one <1 s ago.
     */
    synchronized void tick() {
      long now = clock.getAsLong();
      for (Iterator<Long> trials = changed.iterator(); trials.hasNext(); ) {
        long trialId = trials.next();
        Long before = printedAt.get(trialId);
        if (before == null || now - before >= PRINT_EVERY_NANOS) {
          trials.remove();
          printedAt.put(trialId, now);
          out.println(metricsLine(trialId));
        }
      }
      out.flush();
    }

    synchronized String results(long trialId) {
      Map<String, Double> values = metrics.getOrDefault(trialId, Map.of());
      if (ownMetrics(trialId)) {
        return figures(values);
      }
      StringBuilder text = new StringBuilder();
      for (String key : new String[] {"test_accuracy", "test_f1_macro", "test_loss"}) {
        if (values.containsKey(key)) {
          text.append("  ").append(key).append(' ').append(Text.number(values.get(key)));
        }
      }
      return text.toString();
    }

    private void metric(long trialId, JsonNode payload) {
      String key = payload.path("key").asString();
      double value = payload.path("value").asDouble();
      long step = payload.path("step").asLong();
      Double before = metrics.computeIfAbsent(trialId, t -> new LinkedHashMap<>()).put(key, value);
      Long stepBefore = steps.computeIfAbsent(trialId, t -> new HashMap<>()).put(key, step);
      boolean news =
          before == null
              || Double.compare(before, value) != 0
              || stepBefore == null
              || stepBefore != step;
      if (news && ownMetrics(trialId)) {
        changed.add(trialId);
      }
    }

    /** Whether the trial reports metrics of its own rather than our trainer's progress. */
    private boolean ownMetrics(long trialId) {
      return programs && !progressing.contains(trialId);
    }

    private String metricsLine(long trialId) {
      return "trial "
          + trialId
          + "  step "
          // Keys may count steps apart (a program's own step= for one, line by line for another):
          // the furthest one.
          + Collections.max(steps.get(trialId).values())
          + figures(metrics.getOrDefault(trialId, Map.of()));
    }

    /** The objective first, then the other keys in the order they came, at most six. */
    private String figures(Map<String, Double> values) {
      List<String> keys = new ArrayList<>(MAX_KEYS);
      if (objective != null && values.containsKey(objective)) {
        keys.add(objective);
      }
      for (String key : values.keySet()) {
        if (keys.size() == MAX_KEYS) {
          break;
        }
        if (!key.equals(objective)) {
          keys.add(key);
        }
      }
      StringBuilder text = new StringBuilder();
      for (String key : keys) {
        text.append("  ").append(Text.safe(key)).append(' ').append(Text.number(values.get(key)));
      }
      return text.toString();
    }

    private void progress(long trialId, JsonNode p) {
      long now = clock.getAsLong();
      double fraction = p.path("fraction").asDouble();
      Long before = printedAt.get(trialId);
      if (before != null && now - before < PRINT_EVERY_NANOS && fraction < 1) {
        return;
      }
      printedAt.put(trialId, now);
      out.println(
          progressLine(trialId, p, metrics.getOrDefault(trialId, Map.of()).get("train_loss")));
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
