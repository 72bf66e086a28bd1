package dev.digitlab.server.workers;

import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /workers}: every worker, Flower-like — the remote workers of the {@link WorkerRegistry}
 * (the same list as {@code GET /api/v1/workers}), this server's embedded slots, and any other lease
 * owner (another server's embedded slot when several share a database). The table polls itself.
 */
@Controller
@WebPage
class WorkersPage {

  /**
   * One worker as the table shows it.
   *
   * @param heartbeatSeconds seconds since its last sign of life, for sorting; -1 when unknown
   * @param imagesPerSecond 0 when it trains nothing
   */
  record WorkerRow(
      String name,
      String kind,
      String host,
      int slots,
      List<String> capabilities,
      String state,
      List<Trial> trials,
      String lastHeartbeat,
      long heartbeatSeconds,
      double imagesPerSecond) {

    public String throughput() {
      return imagesPerSecond > 0 ? Math.round(imagesPerSecond) + " images/s" : "–";
    }
  }

  private final WorkerSettings settings;
  private final WorkerRegistry registry;
  private final TrialStore trials;
  private final TrainingThroughput throughput;
  private final Clock clock;
  private final OnlineWorkers online;

  WorkersPage(
      WorkerSettings settings,
      WorkerRegistry registry,
      TrialStore trials,
      TrainingThroughput throughput,
      Clock clock,
      OnlineWorkers online) {
    this.settings = settings;
    this.registry = registry;
    this.trials = trials;
    this.throughput = throughput;
    this.clock = clock;
    this.online = online;
  }

  /** A sortable column: its key in {@code ?sort=}, its header, the order it sorts rows in. */
  record Column(String key, String label, boolean numeric, Comparator<WorkerRow> order) {}

  private static final List<Column> COLUMNS =
      List.of(
          new Column("name", "Worker", false, Comparator.comparing(WorkerRow::name)),
          new Column("kind", "Kind", false, Comparator.comparing(WorkerRow::kind)),
          new Column("host", "Host", false, Comparator.comparing(WorkerRow::host)),
          new Column("state", "State", false, Comparator.comparing(WorkerRow::state)),
          new Column("slots", "Slots", true, Comparator.comparingInt(WorkerRow::slots)),
          new Column(
              "capabilities",
              "Capabilities",
              false,
              Comparator.comparing(r -> String.join(",", r.capabilities()))),
          new Column(
              "trials", "Current trials", true, Comparator.comparingInt(r -> r.trials().size())),
          new Column(
              "heartbeat",
              "Last heartbeat",
              true,
              Comparator.comparingLong(WorkerRow::heartbeatSeconds)),
          new Column(
              "throughput",
              "Throughput",
              true,
              Comparator.comparingDouble(WorkerRow::imagesPerSecond)));

  @GetMapping("/workers")
  String workers(
      @RequestParam(defaultValue = "name") String sort,
      @RequestParam(defaultValue = "asc") String order,
      Model model) {
    Column column =
        COLUMNS.stream()
            .filter(c -> c.key().equals(sort))
            .findFirst()
            .orElseThrow(
                () ->
                    new InvalidParameterException(
                        "sort",
                        "Unknown sort "
                            + sort
                            + ": use one of "
                            + COLUMNS.stream().map(Column::key).toList()));
    if (!order.equals("asc") && !order.equals("desc")) {
      throw new InvalidParameterException("order", "Unknown order " + order + ": use asc or desc");
    }
    Map<Long, Trial> running = new LinkedHashMap<>();
    Map<String, List<Trial>> byOwner = new LinkedHashMap<>();
    for (Trial trial : trials.listRunning()) {
      running.put(trial.id(), trial);
      String owner = trial.leaseOwner() == null ? "(unknown)" : trial.leaseOwner();
      byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(trial);
    }
    List<WorkerRow> rows = new ArrayList<>();
    for (int slot = 1; slot <= settings.slots(); slot++) {
      String name = "embedded-" + slot;
      rows.add(embedded(name, "embedded slot", byOwner.remove(name)));
    }
    for (WorkerInfo worker : registry.list(settings.lease())) {
      byOwner.remove(worker.name());
      rows.add(remote(worker, running));
    }
    byOwner.forEach((name, held) -> rows.add(embedded(name, "other server", held)));
    rows.sort(order.equals("asc") ? column.order() : column.order().reversed());
    model.addAttribute("rows", rows);
    model.addAttribute("history", history(rows));
    List<Trial> queued = trials.listQueued(QUEUE_SHOWN);
    model.addAttribute("queue", queued);
    // A queued trial that no online worker can take says why in the queue (issue 19 item 5);
    // the online workers' capabilities are read once a second, not per trial.
    Map<Long, String> reasons = new LinkedHashMap<>();
    for (Trial t : queued) {
      String reason = online.waitingFor(t);
      if (reason != null) {
        reasons.put(t.id(), reason);
      }
    }
    model.addAttribute("waiting", reasons);
    model.addAttribute("queueShown", QUEUE_SHOWN);
    model.addAttribute("columns", COLUMNS);
    model.addAttribute("sort", sort);
    model.addAttribute("order", order);
    model.addAttribute("remote", rows.stream().anyMatch(r -> r.kind().equals("remote")));
    model.addAttribute("slots", settings.slots());
    model.addAttribute("lease", Figures.duration((double) settings.lease().toSeconds()));
    return "workers";
  }

  /** How many queued trials the queue view lists; the rest are counted. */
  static final int QUEUE_SHOWN = 50;

  /** Recent trials per worker shown under the table. */
  static final int RECENT_PER_WORKER = 5;

  /**
   * What a worker did, Flower-like: trials it ran to an end (its latest attempts), how many of them
   * succeeded or failed, and the last few.
   */
  public record History(long succeeded, long failed, long cancelled, List<Trial> recent) {
    public long processed() {
      return succeeded + failed + cancelled;
    }
  }

  private Map<String, History> history(List<WorkerRow> rows) {
    Map<String, Map<TrialStatus, Long>> counts = trials.countEndedByWorker();
    Map<String, List<Trial>> recent = new LinkedHashMap<>();
    for (Trial t : trials.listRecentlyEnded(RECENT_PER_WORKER * Math.max(1, rows.size()) * 4)) {
      List<Trial> list = recent.computeIfAbsent(t.workerName(), k -> new ArrayList<>());
      if (list.size() < RECENT_PER_WORKER) {
        list.add(t);
      }
    }
    Map<String, History> history = new LinkedHashMap<>();
    for (WorkerRow row : rows) {
      Map<TrialStatus, Long> c = counts.getOrDefault(row.name(), Map.of());
      history.put(
          row.name(),
          new History(
              c.getOrDefault(TrialStatus.SUCCEEDED, 0L),
              c.getOrDefault(TrialStatus.FAILED, 0L),
              c.getOrDefault(TrialStatus.CANCELLED, 0L),
              recent.getOrDefault(row.name(), List.of())));
    }
    return history;
  }

  private WorkerRow remote(WorkerInfo worker, Map<Long, Trial> running) {
    List<Trial> held =
        worker.currentTrials().stream().map(running::get).filter(Objects::nonNull).toList();
    long silent =
        Duration.between(Instant.parse(worker.lastHeartbeat()), clock.instant()).toSeconds();
    return new WorkerRow(
        worker.name(),
        "remote",
        worker.host(),
        worker.slots(),
        worker.capabilities(),
        worker.state(),
        held,
        ago(silent),
        silent,
        worker.imagesPerSecond());
  }

  /** A slot known only by the trials it leases: alive as long as it renews their leases. */
  private WorkerRow embedded(String name, String kind, List<Trial> held) {
    List<Trial> current = held == null ? List.of() : held;
    double imagesPerSecond =
        current.stream()
            .map(t -> throughput.of(t.id()))
            .filter(Objects::nonNull)
            .mapToDouble(Double::doubleValue)
            .sum();
    // A lease is renewed at each heartbeat to last one lease period from then.
    long silent =
        current.stream()
            .map(Trial::leaseExpiresAt)
            .filter(Objects::nonNull)
            .max(Comparator.naturalOrder())
            .map(
                expires ->
                    Math.max(
                        0,
                        Duration.between(expires.minus(settings.lease()), clock.instant())
                            .toSeconds()))
            .orElse(-1L);
    return new WorkerRow(
        name,
        kind,
        kind.equals("embedded slot") ? "this server" : "–",
        1,
        kind.equals("embedded slot") ? online.embeddedCapabilities() : List.of(),
        current.isEmpty() ? WorkerRegistry.IDLE : WorkerRegistry.BUSY,
        current,
        silent < 0 ? "–" : ago(silent),
        silent,
        imagesPerSecond);
  }

  private static String ago(long seconds) {
    return seconds <= 0 ? "just now" : Figures.duration((double) seconds) + " ago";
  }
}
