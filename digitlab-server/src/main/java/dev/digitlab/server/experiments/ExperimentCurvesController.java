package dev.digitlab.server.experiments;

import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.trials.MetricHistory;
import dev.digitlab.server.trials.MetricSample;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/experiments/{id}/metrics}: the curves of every trial of the experiment in one
 * answer, {@code {trialId: {key: [{step, epoch, value, time}]}}}, with the parameters of a trial's
 * own {@code /api/v1/trials/{id}/metrics}. The experiment page's overlaid curves read it once,
 * where asking each trial made a sweep of 300 runs 300 requests.
 */
@RestController
@RequestMapping("/api/v1/experiments")
class ExperimentCurvesController {

  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final MetricHistory metrics;

  ExperimentCurvesController(
      ExperimentStore experiments, TrialStore trials, MetricHistory metrics) {
    this.experiments = experiments;
    this.trials = trials;
    this.metrics = metrics;
  }

  /** Deleted trials are left out, as the experiment's page leaves them out. */
  @GetMapping("/{id}/metrics")
  Map<Long, Map<String, List<MetricSample>>> curves(
      @PathVariable long id,
      @RequestParam(required = false) String keys,
      @RequestParam(required = false) Integer points) {
    if (experiments.find(id).isEmpty()) {
      throw new NotFoundException("experiment", id);
    }
    MetricHistory.checkPoints(points);
    Set<String> wanted = MetricHistory.keys(keys);
    Map<Long, Map<String, List<MetricSample>>> curves = new LinkedHashMap<>();
    for (Trial trial : trials.listByExperiment(id)) {
      if (!trial.deleted()) {
        curves.put(trial.id(), metrics.of(trial.id(), wanted, null, null, points));
      }
    }
    return curves;
  }
}
