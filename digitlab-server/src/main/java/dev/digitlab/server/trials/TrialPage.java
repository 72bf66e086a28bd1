package dev.digitlab.server.trials;

import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.PageJson;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * {@code /trials/{id}}: one trial's live curves, log and progress, then its test results (confusion
 * matrix, per-class figures, misclassified digits), config, artifacts and failure. The script reads
 * the log's history page by page and then follows the trial's event stream from the latest event id
 * the page was rendered with, so every line shows once, after a reconnect too.
 */
@Controller
@WebPage
class TrialPage {

  private final TrialStore trials;
  private final EventStore events;
  private final Ownership ownership;
  private final WaitingReasons waiting;

  TrialPage(TrialStore trials, EventStore events, Ownership ownership, WaitingReasons waiting) {
    this.waiting = waiting;
    this.trials = trials;
    this.events = events;
    this.ownership = ownership;
  }

  @GetMapping("/trials/{id}")
  String show(@PathVariable long id, Model model, HttpServletRequest request) {
    Trial trial = trials.get(id);
    if (ExternalTrials.KIND.equals(trial.kind())) {
      // A run logged through the MLflow API has no loss per step, epochs or test results of ours:
      // its own page shows what it logged.
      return "redirect:/runs/" + id;
    }
    Optional<TrialExperiment> experiment = trials.experimentOf(trial.id());
    String experimentName = experiment.map(TrialExperiment::name).orElse("(deleted)");
    // Cancel and retry are shown only to who may use them: the owner, or an admin.
    model.addAttribute(
        "mayChange",
        experiment.isPresent() && ownership.mayChange(request, experiment.get().owner()));
    model.addAttribute("owner", experiment.map(TrialExperiment::owner).orElse(null));
    // "Register model" where the registry would take it: a succeeded trial, a caller who may write.
    model.addAttribute(
        "mayRegister", trial.status() == TrialStatus.SUCCEEDED && ownership.mayWrite(request));
    Map<String, Object> config = ChartTrial.map(trial.config());
    Map<String, Object> metrics = ChartTrial.map(trial.lastMetrics());
    model.addAttribute("trial", trial);
    model.addAttribute("waitingFor", waiting.waitingFor(trial));
    model.addAttribute("status", trial.status().dbValue());
    model.addAttribute("terminal", trial.status().isTerminal());
    model.addAttribute("experimentName", experimentName);
    model.addAttribute("config", config);
    model.addAttribute("metrics", metrics);
    model.addAttribute("progressPercent", (int) Math.round(trial.progress() * 100));
    model.addAttribute("started", Figures.time(trial.startedAt()));
    model.addAttribute("finished", Figures.time(trial.finishedAt()));
    model.addAttribute("trainTime", Figures.duration(trial.trainSeconds()));
    model.addAttribute("accuracy", Figures.percent(trial.testAccuracy()));
    model.addAttribute("f1", Figures.metric(trial.testF1Macro()));
    model.addAttribute(
        "pageData",
        PageJson.of(
            Map.of(
                "trialId", id,
                "status", trial.status().dbValue(),
                "lastEventId", events.lastId(id),
                // its test reports exist (confusion matrix, per class, misclassified)
                "tested", trial.testAccuracy() != null,
                // for the loss curve against the images seen; "" when the config has none
                "batchSize", config.getOrDefault("batchSize", ""))));
    return "trials/detail";
  }
}
