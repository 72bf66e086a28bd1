package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.security.CommandPermission;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;

/**
 * {@code /experiments/new}: every trainer hyperparameter, a search section (any parameter as a list
 * or a random range), the number of trials before submitting, and the server's own validation next
 * to the fields it is about. {@code ?from=ID} starts from a stored experiment (clone), a command
 * experiment too: its program's arguments (one a line), code, timeout and parameters are fields
 * then, in place of the trainer's. {@code ?kind=command} starts a new command experiment.
 */
@Controller
@WebPage
class NewExperimentPage {

  private final ExperimentSubmission submission;
  private final ExperimentStore experiments;
  private final Ownership ownership;
  private final CommandPermission commands;
  private final DatasetRegistry datasets;

  NewExperimentPage(
      ExperimentSubmission submission,
      ExperimentStore experiments,
      Ownership ownership,
      CommandPermission commands,
      DatasetRegistry datasets) {
    this.submission = submission;
    this.experiments = experiments;
    this.ownership = ownership;
    this.commands = commands;
    this.datasets = datasets;
  }

  /** The registered datasets, offered in the dataset select after the built-in ones. */
  @ModelAttribute("registeredDatasets")
  List<String> registeredDatasets() {
    return datasets.list().stream().map(entry -> entry.dataset().name()).toList();
  }

  @GetMapping("/experiments/new")
  String form(
      @RequestParam(required = false) Long from,
      @RequestParam(required = false) String kind,
      Model model,
      HttpServletRequest request) {
    Map<String, String> values;
    if (from == null) {
      values =
          ExperimentForm.COMMAND.equals(kind)
              ? ExperimentForm.commandDefaults()
              : ExperimentForm.defaults();
    } else {
      Experiment source =
          experiments.find(from).orElseThrow(() -> new NotFoundException("experiment", from));
      // A program's experiment clones into the same form with its program's fields.
      values = ExperimentForm.from(source.spec(), source.name() + "-2");
      model.addAttribute("source", source);
    }
    fill(model, values, Map.of(), request);
    model.addAttribute("count", count(values));
    return "experiments/new";
  }

  @PostMapping("/experiments/new")
  ModelAndView submit(
      @RequestParam MultiValueMap<String, String> params, HttpServletRequest request)
      throws IOException {
    Map<String, String> values = values(params);
    String document = ExperimentForm.document(values);
    try {
      Experiment created =
          submission.submit(
              new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)),
              dev.digitlab.protocol.experiment.FileFormat.JSON,
              ownership.ownerOf(request),
              request);
      return new ModelAndView("redirect:/experiments/" + created.id());
    } catch (InvalidExperimentException e) {
      ModelAndView page = new ModelAndView("experiments/new");
      page.setStatus(HttpStatus.BAD_REQUEST);
      fill(page.getModelMap(), values, ExperimentForm.errorsByField(e.errors(), values), request);
      page.addObject("problems", e.errors());
      page.addObject("count", count(values));
      return page;
    }
  }

  /** The trial count (or what keeps the form from making any), for the live preview. */
  @PostMapping("/experiments/new/count")
  String count(@RequestParam MultiValueMap<String, String> params, Model model) {
    Map<String, String> values = values(params);
    Count count = count(values);
    // Nobody has typed a name yet while they fill in the rest: not a problem to shout about in
    // the preview (submitting still says so, next to the field).
    if (values.getOrDefault("name", "").isBlank()) {
      List<FieldError> rest =
          count.problems().stream().filter(p -> !"name".equals(p.path())).toList();
      if (rest.size() < count.problems().size()) {
        count = rest.isEmpty() ? trialsIgnoringName(values) : new Count(0, rest);
      }
    }
    model.addAttribute("count", count);
    // Keyed as the submit's inline errors are, so the page's script shows each beside its field.
    model.addAttribute("previewErrors", ExperimentForm.errorsByField(count.problems(), values));
    return "experiments/new :: count";
  }

  /** What the form would create: the number of trials, or its problems. */
  record Count(long trials, List<FieldError> problems) {}

  private Count count(Map<String, String> values) {
    try {
      ExperimentSpec spec = submission.check(ExperimentForm.document(values));
      return new Count(ExperimentSubmission.trialCount(spec), List.of());
    } catch (InvalidExperimentException e) {
      return new Count(0, e.errors());
    }
  }

  /** The count the form would give once named. */
  private Count trialsIgnoringName(Map<String, String> values) {
    Map<String, String> named = new HashMap<>(values);
    named.put("name", "unnamed");
    return count(named);
  }

  private static Map<String, String> values(MultiValueMap<String, String> params) {
    Map<String, String> values = new HashMap<>();
    params.forEach((k, v) -> values.put(k, v.isEmpty() ? "" : v.getFirst()));
    return values;
  }

  private void fill(
      Map<String, Object> model,
      Map<String, String> values,
      Map<String, String> errors,
      HttpServletRequest request) {
    model.put("values", values);
    model.put("errors", errors);
    model.put("fields", ExperimentForm.FIELDS);
    model.put(
        "searchRows",
        java.util.stream.IntStream.range(0, ExperimentForm.rows(values)).boxed().toList());
    model.put(
        "objectiveMetrics",
        ObjectiveMetric.values().stream().map(ObjectiveMetric::configName).toList());
    boolean command = ExperimentForm.isCommand(values);
    model.put("command", command);
    // Said before the form is sent: submitting would be refused (403) for the same reason.
    model.put("mayRunCommands", !command || commands.maySubmitCommands(request));
  }

  private void fill(
      Model model,
      Map<String, String> values,
      Map<String, String> errors,
      HttpServletRequest request) {
    fill(model.asMap(), values, errors, request);
  }
}
