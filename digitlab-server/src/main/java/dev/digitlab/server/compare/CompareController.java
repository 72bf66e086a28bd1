package dev.digitlab.server.compare;

import dev.digitlab.server.api.InvalidParameterException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/compare?trials=1,2,3} (or {@code ?trial=1&trial=2}): the compare page's data
 * as JSON, for built-in trials and MLflow runs alike; curves are each trial's {@code
 * /api/v1/trials/{id}/metrics}.
 */
@RestController
class CompareController {

  private final Comparisons comparisons;

  CompareController(Comparisons comparisons) {
    this.comparisons = comparisons;
  }

  @GetMapping(path = "/api/v1/compare", produces = MediaType.APPLICATION_JSON_VALUE)
  Comparison compare(
      @RequestParam(required = false) String trials,
      @RequestParam(name = "trial", required = false) List<String> picked) {
    List<String> texts = new ArrayList<>();
    texts.add(trials);
    if (picked != null) {
      texts.addAll(picked);
    }
    Set<Long> ids = Comparisons.ids(texts);
    if (ids.isEmpty()) {
      // An empty comparison would look like trials that do not exist; usually the parameter's
      // name was mistyped (?ids=1,2).
      throw new InvalidParameterException(
          "trials", "give the trials to compare, like ?trials=1,2,3 (or ?trial=1&trial=2)");
    }
    return comparisons.of(ids);
  }
}
