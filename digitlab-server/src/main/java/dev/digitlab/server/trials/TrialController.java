package dev.digitlab.server.trials;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/trials}: one trial at a time. */
@RestController
@RequestMapping("/api/v1/trials")
class TrialController {

  private final TrialStore trials;

  TrialController(TrialStore trials) {
    this.trials = trials;
  }

  @GetMapping("/{id}")
  TrialView get(@PathVariable long id) {
    return TrialView.detail(trials.get(id));
  }
}
