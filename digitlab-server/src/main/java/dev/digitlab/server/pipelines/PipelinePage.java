package dev.digitlab.server.pipelines;

import dev.digitlab.server.api.NotFoundException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code /pipelines/{id}}: a run's page in the browser (the same page the static report holds). */
@RestController
class PipelinePage {

  private final PipelineStore store;
  private final PipelineReport report;

  PipelinePage(PipelineStore store, PipelineReport report) {
    this.store = store;
    this.report = report;
  }

  @GetMapping(value = "/pipelines/{id}", produces = MediaType.TEXT_HTML_VALUE)
  String page(@PathVariable long id) {
    return report.render(
        store.run(id).orElseThrow(() -> new NotFoundException("pipeline run", id)));
  }
}
