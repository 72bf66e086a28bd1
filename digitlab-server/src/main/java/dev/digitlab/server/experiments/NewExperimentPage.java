package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.datasets.DatasetRegistry;
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
 * to the fields it is about. {@code ?from=ID} starts from a stored experiment (clone).
 */
@Controller
@WebPage
class NewExperimentPage {

  private final ExperimentSubmission submission;
  private final ExperimentStore experiments;
  private final Ownership ownership;
  private final DatasetRegistry datasets;

  NewExperimentPage(
      ExperimentSubmission submission,
      ExperimentStore experiments,
      Ownership ownership,
      DatasetRegistry datasets) {
    this.submission = submission;
    this.experiments = experiments;
    this.ownership = ownership;
    this.datasets = datasets;
  }

  /** The registered datasets, offered in the dataset select after the built-in ones. */
  @ModelAttribute("registeredDatasets")
  List<String> registeredDatasets() {
    return datasets.list().stream().map(entry -> entry.dataset().name()).toList();
  }

  @GetMapping("/experiments/new")
  String form(@RequestParam(required = false) Long from, Model model) {
    Map<String, String> values;
    if (from == null) {
      values = ExperimentForm.defaults();
    } else {
      Experiment source =
          experiments.find(from).orElseThrow(() -> new NotFoundException("experiment", from));
      values = ExperimentForm.from(source.spec(), source.name() + "-2");
      model.addAttribute("source", source);
      if (source.spec().contains("\"command\"")
          && ExperimentSubmission.COMMAND_DATASET.equals(source.dataset())) {
        // The form's fields are a built-in model's; a program's experiment is edited as text.
        model.addAttribute(
            "problems",
            java.util.List.of(
                new dev.digitlab.protocol.experiment.FieldError(
                    "command",
                    "experiment "
                        + source.id()
                        + " runs a program, which this form cannot edit: clone it as text with"
                        + " POST /api/v1/experiments/"
                        + source.id()
                        + "/clone (a YAML or JSON merge patch, e.g. {name: "
                        + source.name()
                        + "-2, search: {…}}), or save this spec as a file, edit it and run"
                        + " 'digitlab submit' on it: "
                        + source.spec())));
      }
    }
    fill(model, values, Map.of());
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
      fill(page.getModelMap(), values, ExperimentForm.errorsByField(e.errors(), values));
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

  private static void fill(
      Map<String, Object> model, Map<String, String> values, Map<String, String> errors) {
    model.put("values", values);
    model.put("errors", errors);
    model.put("fields", ExperimentForm.FIELDS);
    model.put(
        "searchRows",
        java.util.stream.IntStream.range(0, ExperimentForm.rows(values)).boxed().toList());
    model.put(
        "objectiveMetrics",
        ObjectiveMetric.values().stream().map(ObjectiveMetric::configName).toList());
  }

  private static void fill(Model model, Map<String, String> values, Map<String, String> errors) {
    fill(model.asMap(), values, errors);
  }
}
