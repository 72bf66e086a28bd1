package dev.digitlab.server.workers;

import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code /workers}: what this server knows of its workers today — the embedded worker's slots and
 * every running trial's lease owner (a remote worker shows up by the trials it holds). Built from a
 * list of {@link WorkerRow}s, so a worker registry's list can replace the source later.
 */
@Controller
@WebPage
class WorkersPage {

  /** One worker as the table shows it. */
  record WorkerRow(
      String name,
      String kind,
      String state,
      List<Trial> trials,
      String leaseExpires,
      String throughput) {}

  private final WorkerSettings settings;
  private final TrialStore trials;
  private final TrainingThroughput throughput;
  private final Clock clock;

  WorkersPage(
      WorkerSettings settings, TrialStore trials, TrainingThroughput throughput, Clock clock) {
    this.settings = settings;
    this.trials = trials;
    this.throughput = throughput;
    this.clock = clock;
  }

  @GetMapping("/workers")
  String workers(Model model) {
    Map<String, List<Trial>> byOwner = new LinkedHashMap<>();
    for (Trial trial : trials.listRunning()) {
      String owner = trial.leaseOwner() == null ? "(unknown)" : trial.leaseOwner();
      byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(trial);
    }
    List<WorkerRow> rows = new ArrayList<>();
    for (int slot = 1; slot <= settings.slots(); slot++) {
      String name = "embedded-" + slot;
      rows.add(row(name, "embedded slot", byOwner.remove(name)));
    }
    byOwner.forEach((name, held) -> rows.add(row(name, "remote", held)));
    model.addAttribute("rows", rows);
    model.addAttribute("slots", settings.slots());
    model.addAttribute("lease", Figures.duration((double) settings.lease().toSeconds()));
    return "workers";
  }

  private WorkerRow row(String name, String kind, List<Trial> held) {
    List<Trial> running = held == null ? List.of() : held;
    double imagesPerSecond =
        running.stream()
            .map(t -> throughput.of(t.id()))
            .filter(v -> v != null)
            .mapToDouble(Double::doubleValue)
            .sum();
    String expires =
        running.stream()
            .map(Trial::leaseExpiresAt)
            .filter(t -> t != null)
            .max(java.util.Comparator.naturalOrder())
            .map(
                t ->
                    "in "
                        + Figures.duration(
                            (double) Duration.between(clock.instant(), t).toSeconds()))
            .orElse("–");
    return new WorkerRow(
        name,
        kind,
        running.isEmpty() ? "idle" : "busy",
        running,
        expires,
        imagesPerSecond > 0 ? Math.round(imagesPerSecond) + " images/s" : "–");
  }
}
