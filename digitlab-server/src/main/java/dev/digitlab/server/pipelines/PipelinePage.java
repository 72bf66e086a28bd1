package dev.digitlab.server.pipelines;

import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * {@code /pipelines}: the runs, newest first; {@code /pipelines/{id}}: a run's page, the static
 * report's content (DAG, Gantt, steps, images) inside the shared layout, its DAG nodes leading to
 * {@code /pipelines/{id}/steps/{name}}, one step's page. Each refreshes itself while what it shows
 * is still going.
 */
@Controller
@WebPage
class PipelinePage {

  /** How many runs the list shows; older ones are still in {@code GET /api/v1/pipelines}. */
  static final int LIST_LIMIT = 200;

  /** One run as the list shows it. */
  record RunRow(
      long id, String name, String status, String steps, String started, String wallTime) {}

  private final PipelineStore store;
  private final PipelineReport report;
  private final Ownership ownership;

  PipelinePage(PipelineStore store, PipelineReport report, Ownership ownership) {
    this.store = store;
    this.report = report;
    this.ownership = ownership;
  }

  @GetMapping("/pipelines")
  String list(Model model, HttpServletRequest request) {
    List<PipelineRun> runs = store.runs(LIST_LIMIT);
    model.addAttribute("rows", runs.stream().map(this::row).toList());
    model.addAttribute("active", runs.stream().anyMatch(run -> !run.status().isTerminal()));
    // The import form is for those who may write, as POST /api/v1/pipelines/import is.
    model.addAttribute("mayImport", ownership.mayWrite(request));
    return "pipelines/list";
  }

  @GetMapping("/pipelines/{id}")
  String run(@PathVariable long id, Model model) {
    PipelineRun run = store.run(id).orElseThrow(() -> new NotFoundException("pipeline run", id));
    model.addAttribute("run", run);
    model.addAttribute("active", !run.status().isTerminal());
    model.addAttribute("report", report.content(run, true));
    return "pipelines/run";
  }

  /** One step: its result, images, attempts and whole log; follows a step still going. */
  @GetMapping("/pipelines/{id}/steps/{name}")
  String step(@PathVariable long id, @PathVariable String name, Model model) {
    PipelineRun run = store.run(id).orElseThrow(() -> new NotFoundException("pipeline run", id));
    PipelineStep step =
        store
            .step(id, name)
            .orElseThrow(
                () -> new NotFoundException("There is no step " + name + " in pipeline run " + id));
    model.addAttribute("run", run);
    model.addAttribute("step", step);
    model.addAttribute("active", !step.status().isTerminal());
    model.addAttribute("section", report.stepContent(run, step));
    return "pipelines/step";
  }

  private RunRow row(PipelineRun run) {
    Map<String, Long> counts = new TreeMap<>();
    store.steps(run.id()).forEach(s -> counts.merge(s.status().dbValue(), 1L, Long::sum));
    return new RunRow(
        run.id(),
        run.name(),
        run.status().dbValue(),
        counts.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey())
            .collect(Collectors.joining(", ")),
        Figures.time(run.createdAt()),
        run.finishedAt() == null
            ? "–"
            : Figures.duration(
                Duration.between(run.createdAt(), run.finishedAt()).toMillis() / 1000.0));
  }
}
