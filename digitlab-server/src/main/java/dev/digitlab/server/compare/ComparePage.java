package dev.digitlab.server.compare;

import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.trials.WaitingReasons;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.PageJson;
import dev.digitlab.server.web.WebPage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /compare?trial=1&trial=2} (what the trials and runs tables' checkboxes send; {@code
 * ?trials=1,2,3} works too): trials of any experiments and kinds side by side — their final metrics
 * in one table with the best value of each marked, their curves overlaid, and their configs (an
 * MLflow run's params) with the differing fields marked (and a toggle to show only those).
 */
@Controller
@WebPage
class ComparePage {

  private final Comparisons comparisons;
  private final TrialStore trialStore;
  private final WaitingReasons waiting;

  ComparePage(Comparisons comparisons, TrialStore trialStore, WaitingReasons waiting) {
    this.comparisons = comparisons;
    this.trialStore = trialStore;
    this.waiting = waiting;
  }

  /**
   * Why each compared trial that is still queued waits, when no online worker can take it (issue 19
   * item 5: every page that shows a trial says it), keyed by the trial. Only queued trials are read
   * again, so a comparison of finished trials costs nothing more.
   */
  private Map<ChartTrial, String> waitingReasons(List<ChartTrial> trials) {
    Map<ChartTrial, String> reasons = new LinkedHashMap<>();
    for (ChartTrial t : trials) {
      if (!"queued".equals(t.status())) {
        continue;
      }
      trialStore.find(t.id()).map(waiting::waitingFor).ifPresent(reason -> reasons.put(t, reason));
    }
    return reasons;
  }

  @GetMapping("/compare")
  String compare(
      @RequestParam(required = false) String trials,
      @RequestParam(name = "trial", required = false) List<String> picked,
      Model model) {
    List<String> texts = new ArrayList<>();
    texts.add(trials);
    if (picked != null) {
      texts.addAll(picked);
    }
    Set<Long> ids = Comparisons.ids(texts);
    Comparison comparison = comparisons.of(ids);
    Set<String> metricKeys = new TreeSet<>(Set.of("train_loss"));
    comparison.trials().forEach(c -> metricKeys.addAll(c.metrics().keySet()));
    if (comparison.trials().stream().allMatch(c -> c.kind().equals("external"))
        && metricKeys.size() > 1) {
      metricKeys.remove("train_loss"); // only MLflow runs: their own keys, none of ours
    }
    model.addAttribute("ids", String.join(", ", ids.stream().map(String::valueOf).toList()));
    model.addAttribute("trials", comparison.trials());
    model.addAttribute("missing", comparison.missing());
    model.addAttribute("waiting", waitingReasons(comparison.trials()));
    model.addAttribute("rows", comparison.config());
    model.addAttribute(
        "differing", comparison.config().stream().filter(Comparison.ConfigRow::differs).count());
    model.addAttribute("metricRows", comparison.metrics());
    model.addAttribute("metricKeys", metricKeys);
    model.addAttribute(
        "firstKey",
        metricKeys.contains("train_loss") ? "train_loss" : metricKeys.iterator().next());
    model.addAttribute("chartData", PageJson.of(Map.of("trials", comparison.trials())));
    return "compare";
  }
}
