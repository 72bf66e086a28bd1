package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.pipeline.InvalidPipelineException;
import dev.digitlab.protocol.pipeline.PipelineFiles;
import dev.digitlab.protocol.pipeline.PipelineSpec;
import dev.digitlab.protocol.pipeline.StepType;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.pipelines.PipelineViews.AttemptView;
import dev.digitlab.server.pipelines.PipelineViews.RunView;
import dev.digitlab.server.pipelines.PipelineViews.StepView;
import dev.digitlab.server.security.CommandPermission;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.core.io.InputStreamResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.MediaTypeFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/pipelines}: submit a pipeline document, follow its runs, steps, logs and files.
 */
@RestController
@RequestMapping("/api/v1/pipelines")
class PipelineController {

  static final int MAX_DOCUMENT_BYTES = 256 * 1024;
  private static final Pattern SAFE_FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

  private final PipelineFiles files = new PipelineFiles();
  private final PipelineExecutor executor;
  private final PipelineStore store;
  private final PipelineReport report;
  private final Ownership ownership;
  private final CommandPermission commands;
  private final StepWaits waits;
  private final PipelineDatasets datasets;

  PipelineController(
      PipelineExecutor executor,
      PipelineStore store,
      PipelineReport report,
      Ownership ownership,
      CommandPermission commands,
      StepWaits waits,
      PipelineDatasets datasets) {
    this.waits = waits;
    this.datasets = datasets;
    this.executor = executor;
    this.store = store;
    this.report = report;
    this.ownership = ownership;
    this.commands = commands;
  }

  /**
   * The run as one self-contained HTML page (DAG, Gantt, steps, images inlined): what {@code
   * digitlab pipeline report} saves, and the run's page in the browser.
   */
  @GetMapping(value = "/{id}/report", produces = MediaType.TEXT_HTML_VALUE)
  String report(@PathVariable long id) {
    return report.render(run(id));
  }

  /**
   * Submits a pipeline document (YAML or JSON, as {@code digitlab pipeline run} sends it) and
   * starts a run of it: {@code 201} with the run. An invalid document is refused with {@code 400}
   * naming every problem's step; nothing is stored then.
   */
  @PostMapping(
      consumes = {
        MediaType.APPLICATION_JSON_VALUE,
        MediaType.APPLICATION_YAML_VALUE,
        "text/yaml",
        "application/x-yaml",
        MediaType.TEXT_PLAIN_VALUE
      })
  ResponseEntity<RunView> submit(
      @RequestHeader(HttpHeaders.CONTENT_TYPE) MediaType contentType,
      InputStream body,
      HttpServletRequest request)
      throws IOException {
    byte[] bytes = body.readNBytes(MAX_DOCUMENT_BYTES + 1);
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      throw new InvalidPipelineException(
          List.of(
              new dev.digitlab.protocol.experiment.FieldError(
                  "", "the document is larger than " + MAX_DOCUMENT_BYTES + " bytes")));
    }
    FileFormat format =
        MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
            ? FileFormat.JSON
            : FileFormat.AUTO;
    String text = new String(bytes, StandardCharsets.UTF_8);
    PipelineSpec spec = files.read(text, format);
    if (spec.steps().stream().anyMatch(step -> step.type() == StepType.COMMAND)) {
      // Before anything is stored: a command step runs a program (on a command worker).
      commands.checkMaySubmitCommands(
          request, "a pipeline with a command step ('" + spec.name() + "')");
      List<dev.digitlab.protocol.experiment.FieldError> problems = new java.util.ArrayList<>();
      for (var step : spec.steps()) {
        JsonNode code = step.parameters().get("code");
        if (step.type() == StepType.COMMAND
            && code != null
            && !CommandSpec.CODE_HASH.matcher(code.asString()).matches()) {
          problems.add(
              new dev.digitlab.protocol.experiment.FieldError(
                  "steps." + step.name() + ".parameters.code",
                  "step '"
                      + step.name()
                      + "': code must be the hash of uploaded code (sha256:<64 hex digits>, from"
                      + " POST /api/v1/code); 'digitlab pipeline run' packs and uploads the folder"
                      + " '"
                      + code.asString()
                      + "' for you"));
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidPipelineException(problems);
      }
    }
    // Registered datasets by digest, unknown ones refused: before anything is stored.
    spec = datasets.resolve(spec);
    JsonNode tree = new dev.digitlab.protocol.experiment.ExperimentFiles().readTree(text, format);
    PipelineSpec resolved = spec;
    PipelineRun run =
        executor.start(
            spec, tree.toString(), ownership.ownerOf(request), () -> datasets.hold(resolved));
    return ResponseEntity.created(URI.create("/api/v1/pipelines/" + run.id()))
        .body(RunView.of(run, store.steps(run.id())));
  }

  /**
   * Cancels a running run: steps not started are skipped, running ones are stopped and the trials
   * they wait on cancelled (a command step's program is killed on its worker). The run ends failed,
   * "cancelled by …". Only its owner or an admin may; {@code 409} once it ended.
   */
  @PostMapping("/{id}/cancel")
  RunView cancel(@PathVariable long id, HttpServletRequest request) {
    PipelineRun run = run(id);
    ownership.checkMayChange(request, "pipeline run " + id, run.owner());
    if (run.status().isTerminal()) {
      throw new ConflictException(
          "Pipeline run " + id + " already ended (" + run.status().dbValue() + ")");
    }
    if (!executor.cancel(id, ownership.actorOf(request))) {
      throw new ConflictException(
          "Pipeline run "
              + id
              + " is run by another server of this cluster, or just ended: cancel it there");
    }
    return RunView.of(run(id), store.steps(id));
  }

  /** The newest runs first. */
  @GetMapping
  List<RunView> list(@RequestParam(defaultValue = "50") int limit) {
    if (limit < 1 || limit > 500) {
      throw new InvalidParameterException("limit", "must be between 1 and 500, got " + limit);
    }
    return store.runs(limit).stream().map(run -> RunView.of(run, store.steps(run.id()))).toList();
  }

  @GetMapping("/{id}")
  RunView get(@PathVariable long id) {
    return RunView.of(run(id), store.steps(id));
  }

  /** The run's steps in dependency order, each with its attempts and result. */
  @GetMapping("/{id}/steps")
  List<StepView> steps(@PathVariable long id) {
    run(id);
    List<StepAttempt> attempts = store.attempts(id);
    return store.steps(id).stream()
        .map(step -> StepView.of(step, attempts, waits.of(step)))
        .toList();
  }

  @GetMapping("/{id}/steps/{name}")
  StepView step(@PathVariable long id, @PathVariable String name) {
    PipelineStep step = step(run(id), name);
    return StepView.of(step, store.attempts(id), waits.of(step));
  }

  /** Every attempt of every step in start order: the data of the Gantt chart. */
  @GetMapping("/{id}/attempts")
  List<AttemptView> attempts(@PathVariable long id) {
    run(id);
    return store.attempts(id).stream().map(AttemptView::of).toList();
  }

  /** The step's log as text, each line prefixed with the attempt that wrote it. */
  @GetMapping(value = "/{id}/steps/{name}/logs", produces = MediaType.TEXT_PLAIN_VALUE)
  String logs(@PathVariable long id, @PathVariable String name) {
    PipelineStep step = step(run(id), name);
    StringBuilder text = new StringBuilder();
    for (PipelineStore.LogEntry entry : store.logs(step.id())) {
      text.append('[').append(entry.attempt()).append("] ").append(entry.line()).append('\n');
    }
    return text.toString();
  }

  /** A file a step wrote (EDA images, the summary chart). */
  @GetMapping("/{id}/steps/{name}/files/{file}")
  ResponseEntity<Resource> file(
      @PathVariable long id, @PathVariable String name, @PathVariable String file)
      throws IOException {
    PipelineStep step = step(run(id), name);
    if (!SAFE_FILE.matcher(file).matches() || file.contains("..")) {
      throw new InvalidParameterException(
          "file", "must be a file name (letters, digits, '.', '_', '-'), got '" + file + "'");
    }
    Path directory = executor.directory(id, step.name());
    Path path = directory.resolve(file);
    InputStream in = openConfined(directory, path, name, id, file);
    MediaType type = MediaTypeFactory.getMediaType(file).orElse(MediaType.APPLICATION_OCTET_STREAM);
    // A step's program wrote this file: served as an HTML page or SVG on this origin, it would be
    // stored XSS. Only raster images (the EDA charts) are shown inline; everything is sandboxed.
    boolean inline = INLINE.contains(type.toString());
    try {
      return ResponseEntity.ok()
          .contentType(inline ? type : safeType(type))
          .contentLength(Files.size(path))
          .header("X-Content-Type-Options", "nosniff")
          .header("Content-Security-Policy", "sandbox; default-src 'none'")
          .header(
              HttpHeaders.CONTENT_DISPOSITION,
              (inline ? ContentDisposition.inline() : ContentDisposition.attachment())
                  .filename(file)
                  .build()
                  .toString())
          .body(new InputStreamResource(in));
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  /** Raster images, which no browser runs scripts in. */
  private static final Set<String> INLINE = Set.of("image/png", "image/jpeg", "image/gif");

  /** Text stays readable as plain text; anything else is a download. */
  private static MediaType safeType(MediaType type) {
    return type.getType().equals("text") || type.equals(MediaType.APPLICATION_JSON)
        ? MediaType.TEXT_PLAIN
        : MediaType.APPLICATION_OCTET_STREAM;
  }

  /**
   * Opens a step's file without following a symbolic link out of the step's folder (a step once
   * linked {@code link.txt} to the admin token): the file itself must not be a link, its real path
   * must stay in the folder, and it is opened with {@code NOFOLLOW_LINKS}.
   */
  private static InputStream openConfined(
      Path directory, Path path, String step, long run, String file) throws IOException {
    try {
      if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
          && path.toRealPath().startsWith(directory.toRealPath())) {
        return Channels.newInputStream(
            Files.newByteChannel(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
      }
    } catch (IOException e) {
      // Gone, or a link swapped in between: not a file of the step's.
    }
    throw new NotFoundException(
        "Step '" + step + "' of run " + run + " has no file '" + file + "'.");
  }

  private PipelineRun run(long id) {
    return store.run(id).orElseThrow(() -> new NotFoundException("pipeline run", id));
  }

  private PipelineStep step(PipelineRun run, String name) {
    return store
        .step(run.id(), name)
        .orElseThrow(
            () ->
                new NotFoundException(
                    "Pipeline run "
                        + run.id()
                        + " has no step '"
                        + name
                        + "'; GET /api/v1/pipelines/"
                        + run.id()
                        + "/steps lists them."));
  }
}
