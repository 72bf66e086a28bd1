package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.trials.TrialView;
import dev.digitlab.server.trials.WaitingReasons;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/experiments}: submit, list, show, cancel and delete experiments. */
@RestController
@RequestMapping("/api/v1/experiments")
class ExperimentController {

  static final int DEFAULT_PAGE_SIZE = 50;

  private final ExperimentSubmission submission;
  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final TrialDirectories trialFiles;
  private final ExperimentReport report;
  private final Ownership ownership;
  private final WaitingReasons waiting;

  ExperimentController(
      ExperimentSubmission submission,
      ExperimentStore experiments,
      TrialStore trials,
      TrialDirectories trialFiles,
      ExperimentReport report,
      Ownership ownership,
      WaitingReasons waiting) {
    this.waiting = waiting;
    this.submission = submission;
    this.experiments = experiments;
    this.trials = trials;
    this.trialFiles = trialFiles;
    this.report = report;
    this.ownership = ownership;
  }

  /**
   * Submits an experiment file, YAML or JSON, exactly as {@code digitlab submit} reads it: the body
   * is parsed and checked by the protocol's reader, never bound to objects here.
   */
  @PostMapping(
      consumes = {
        MediaType.APPLICATION_JSON_VALUE,
        MediaType.APPLICATION_YAML_VALUE,
        "text/yaml",
        "application/x-yaml",
        MediaType.TEXT_PLAIN_VALUE
      },
      // Said up front, so that a client that cannot take JSON gets its 406 before the
      // experiment is stored, not after.
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ExperimentView> submit(
      @RequestHeader(HttpHeaders.CONTENT_TYPE) MediaType contentType,
      InputStream body,
      HttpServletRequest request)
      throws IOException {
    FileFormat format =
        MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
            ? FileFormat.JSON
            : FileFormat.AUTO;
    Experiment created = submission.submit(body, format, ownership.ownerOf(request), request);
    return ResponseEntity.created(URI.create("/api/v1/experiments/" + created.id()))
        .body(detail(created));
  }

  /**
   * A new experiment made from this one's spec with the body's edits merged over it (YAML or JSON,
   * e.g. {@code {name: lr-and-batch-2, config: {epochs: 2}}}; {@code null} removes a field; no body
   * clones it as it is), checked like a new submission. {@code 201} with the new experiment, which
   * the caller owns: any user may clone anyone's experiment.
   */
  @PostMapping(path = "/{id}/clone", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ExperimentView> cloneExperiment(
      @PathVariable long id,
      @RequestHeader(value = HttpHeaders.CONTENT_TYPE, required = false) MediaType contentType,
      InputStream body,
      HttpServletRequest request)
      throws IOException {
    FileFormat format =
        contentType != null && MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
            ? FileFormat.JSON
            : FileFormat.AUTO;
    Experiment created =
        submission.clone(find(id), body, format, ownership.ownerOf(request), request);
    return ResponseEntity.created(URI.create("/api/v1/experiments/" + created.id()))
        .body(detail(created));
  }

  /**
   * A page of experiments, everyone's: filtered by status, exact owner (a token's name, {@code
   * local} or {@code system}), tag and a name's part.
   */
  @GetMapping
  Page<ExperimentView> list(
      @RequestParam(defaultValue = "created") String sort,
      @RequestParam(defaultValue = "desc") String order,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String owner,
      @RequestParam(required = false) String tag,
      @RequestParam(required = false) String q,
      @RequestParam(defaultValue = "0") int page,
      @RequestParam(defaultValue = "" + DEFAULT_PAGE_SIZE) int size) {
    if (page < 0) {
      throw new InvalidParameterException("page", "must be 0 or more, got " + page);
    }
    if (size < 1 || size > ExperimentQuery.MAX_LIMIT) {
      throw new InvalidParameterException(
          "size", "must be between 1 and " + ExperimentQuery.MAX_LIMIT + ", got " + size);
    }
    long offset = (long) page * size;
    if (offset > Integer.MAX_VALUE) {
      throw new InvalidParameterException("page", "is past any list this server can hold");
    }
    ExperimentQuery query =
        ExperimentQuery.newestFirst()
            .sortedBy(parseSort(sort), parseDescending(order))
            .withStatus(status == null ? null : parseStatus(status))
            .withOwner(owner == null || owner.isBlank() ? null : owner.strip())
            .withTag(tag == null || tag.isBlank() ? null : tag)
            .withNameContaining(q)
            .page((int) offset, size);
    Page<Experiment> found = experiments.list(query);
    Map<Long, TrialCounts> counts =
        experiments.countTrials(found.items().stream().map(Experiment::id).toList());
    return new Page<>(
        found.items().stream().map(e -> ExperimentView.summary(e, counts.get(e.id()))).toList(),
        found.total(),
        found.offset(),
        found.limit());
  }

  @GetMapping("/{id}")
  ExperimentView get(@PathVariable long id) {
    return detail(find(id));
  }

  /**
   * The experiment as one self-contained HTML page (summary, sortable trials, learning curves, the
   * best trial's confusion matrix and mistakes; charts and images inlined): what {@code digitlab
   * report --experiment} saves.
   */
  @GetMapping(value = "/{id}/report", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> report(@PathVariable long id) {
    ExperimentReport.Page page = report.render(id);
    return ResponseEntity.ok()
        .header("Content-Security-Policy", page.contentSecurityPolicy())
        .body(page.html());
  }

  /** Deletes the experiment, its trials and their files; only its owner or an admin may. */
  @DeleteMapping("/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(@PathVariable long id, HttpServletRequest request) {
    checkMayChange(id, request);
    List<Long> trialIds = trials.listByExperiment(id).stream().map(Trial::id).toList();
    if (!experiments.delete(id)) {
      throw new NotFoundException("experiment", id);
    }
    // After the rows: a failure here leaves files without rows, never rows without files.
    trialIds.forEach(trialFiles::delete);
  }

  /**
   * Cancels the experiment's queued trials at once ({@code 200} when that is all there was) and
   * asks its running ones to stop ({@code 202}, as for one trial: their workers see the request at
   * their next heartbeat, and a trial that finishes before that ends succeeded or failed, not
   * cancelled; its {@code cancelRequested} says it was asked). Cancelling a cancelled experiment
   * again is harmless; one that already finished cannot be cancelled. Only its owner or an admin
   * may.
   */
  @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ExperimentView> cancel(@PathVariable long id, HttpServletRequest request) {
    Experiment experiment = find(id);
    ownership.checkMayChange(request, "experiment " + id, experiment.owner());
    if (experiment.mlflow()) {
      // Marking it cancelled would change nothing its runs do (no worker of ours runs them), and
      // logging into it still works: as for one of its runs (TrialCancels), refuse.
      throw new ConflictException(
          "Experiment "
              + id
              + " holds runs logged through the MLflow API: each "
              + ExternalTrials.HOW_A_RUN_ENDS);
    }
    if (experiment.status() == ExperimentStatus.SUCCEEDED
        || experiment.status() == ExperimentStatus.FAILED) {
      throw new ConflictException(
          "Experiment "
              + id
              + " already finished ("
              + experiment.status().dbValue()
              + "); there is nothing to cancel.");
    }
    if (!experiments.cancel(id)) {
      throw new NotFoundException("experiment", id);
    }
    ExperimentView cancelled = detail(find(id));
    return ResponseEntity.status(
            cancelled.trialCounts().running() > 0 ? HttpStatus.ACCEPTED : HttpStatus.OK)
        .body(cancelled);
  }

  /** A 404 if there is no such experiment, a 403 if the caller may not change it. */
  private void checkMayChange(long id, HttpServletRequest request) {
    String owner = experiments.owner(id).orElseThrow(() -> new NotFoundException("experiment", id));
    ownership.checkMayChange(request, "experiment " + id, owner);
  }

  private Experiment find(long id) {
    return experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
  }

  private ExperimentView detail(Experiment experiment) {
    return ExperimentView.detail(
        experiment,
        experiments.countTrials(experiment.id()),
        // Deleted trials stay readable by id (GET /api/v1/trials/{id}), not in the list.
        trials.listByExperiment(experiment.id()).stream()
            .filter(trial -> !trial.deleted())
            .map(trial -> TrialView.summary(trial, waiting.waitingFor(trial)))
            .toList());
  }

  private static ExperimentSort parseSort(String value) {
    String normalised =
        value.trim().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    try {
      return ExperimentSort.valueOf(normalised);
    } catch (IllegalArgumentException e) {
      throw new InvalidParameterException(
          "sort",
          "must be one of "
              + Arrays.stream(ExperimentSort.values())
                  .map(s -> s.name().toLowerCase(Locale.ROOT))
                  .collect(Collectors.joining(", "))
              + ", got '"
              + value
              + "'");
    }
  }

  private static boolean parseDescending(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "desc" -> true;
      case "asc" -> false;
      default ->
          throw new InvalidParameterException("order", "must be asc or desc, got '" + value + "'");
    };
  }

  /** The status a {@code status} parameter names; a 400 naming the known ones otherwise. */
  static ExperimentStatus parseStatus(String value) {
    try {
      return ExperimentStatus.fromDb(value.trim());
    } catch (IllegalArgumentException e) {
      throw new InvalidParameterException(
          "status",
          "must be one of "
              + Arrays.stream(ExperimentStatus.values())
                  .map(ExperimentStatus::dbValue)
                  .collect(Collectors.joining(", "))
              + ", got '"
              + value
              + "'");
    }
  }
}
