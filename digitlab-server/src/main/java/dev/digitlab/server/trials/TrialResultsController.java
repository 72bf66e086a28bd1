package dev.digitlab.server.trials;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.worker.run.RunArtifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code /api/v1/trials/{id}/…}: what a trial's run left behind — its test reports, its
 * misclassified test images, and its artifact files.
 */
@RestController
@RequestMapping("/api/v1/trials/{id}")
class TrialResultsController {

  static final int DEFAULT_MISCLASSIFIED_PAGE = 100;
  static final int MAX_MISCLASSIFIED_PAGE = 1000;

  private static final ObjectMapper JSON = Json.mapper();

  private final TrialStore trials;
  private final EventStore events;
  private final TrialFiles files;
  private final TestImages images;

  TrialResultsController(
      TrialStore trials, EventStore events, TrialFiles files, TestImages images) {
    this.trials = trials;
    this.events = events;
    this.files = files;
    this.images = images;
  }

  /**
   * The test set's confusion matrix: {@code {classes, counts}}, rows = true class, columns =
   * predicted.
   */
  @GetMapping(value = "/confusion-matrix", produces = MediaType.APPLICATION_JSON_VALUE)
  String confusionMatrix(@PathVariable long id) {
    return read(report(id, RunArtifact.CONFUSION_MATRIX));
  }

  /** Test accuracy, macro and weighted averages, and precision/recall/F1/support per class. */
  @GetMapping(value = "/per-class", produces = MediaType.APPLICATION_JSON_VALUE)
  String perClass(@PathVariable long id) {
    return read(report(id, RunArtifact.PER_CLASS));
  }

  /** The misclassified test images kept by the run, most confident mistakes first, a page. */
  @GetMapping("/misclassified")
  MisclassifiedPage misclassified(
      @PathVariable long id,
      @RequestParam(defaultValue = "" + DEFAULT_MISCLASSIFIED_PAGE) int limit,
      @RequestParam(defaultValue = "0") int offset) {
    if (limit < 1 || limit > MAX_MISCLASSIFIED_PAGE) {
      throw new InvalidParameterException(
          "limit", "must be between 1 and " + MAX_MISCLASSIFIED_PAGE + ", got " + limit);
    }
    if (offset < 0) {
      throw new InvalidParameterException("offset", "must be 0 or more, got " + offset);
    }
    MisclassifiedFile file = misclassified(id);
    List<Misclassified> all = file.examples();
    List<Misclassified> page =
        offset >= all.size()
            ? List.of()
            : all.subList(offset, Math.min(all.size(), offset + limit));
    return new MisclassifiedPage(file.mistakes(), all.size(), offset, limit, page);
  }

  /**
   * A misclassified test image as a PNG: grayscale, each pixel a {@value TestImages#SCALE}-pixel
   * square. Only the images in the trial's misclassified list are served.
   */
  @GetMapping(value = "/misclassified/{index}.png", produces = MediaType.IMAGE_PNG_VALUE)
  ResponseEntity<byte[]> misclassifiedImage(@PathVariable long id, @PathVariable int index) {
    if (misclassified(id).examples().stream().noneMatch(m -> m.index() == index)) {
      throw new NotFoundException(
          "Test image " + index + " is not among the misclassified images of trial " + id + ".");
    }
    Trial trial = trials.get(id);
    String dataset = trials.experimentOf(trial.id()).map(TrialExperiment::dataset).orElse("mnist");
    return ResponseEntity.ok()
        .contentType(MediaType.IMAGE_PNG)
        .header(HttpHeaders.CACHE_CONTROL, "max-age=86400")
        .body(images.png(dataset, index));
  }

  /**
   * The trial's artifacts as its runs reported them (the latest report of each name), and whether
   * the file is on this server.
   */
  @GetMapping("/artifacts")
  List<ArtifactView> artifacts(@PathVariable long id) {
    Trial trial = trials.get(id);
    Map<String, ArtifactView> latest = new LinkedHashMap<>();
    long after = 0;
    List<TrialEvent> page;
    do {
      page = events.ofType(id, EventType.ARTIFACT, after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        JsonNode ref = tree(event.payload());
        String name = ref.path("name").asString();
        String fileName = RunArtifact.named(name).map(RunArtifact::fileName).orElse(null);
        // A command's output file: its name is its file name, downloadable once uploaded.
        boolean output = RunArtifact.OUTPUT_KIND.equals(ref.path("kind").asString());
        latest.remove(name);
        latest.put(
            name,
            new ArtifactView(
                name,
                ref.path("kind").asString(),
                ref.path("bytes").asLong(),
                ref.path("sha256").asString(),
                event.attempt(),
                output ? name : fileName,
                output
                    ? files.latestOutput(trial, name).isPresent()
                    : RunArtifact.named(name)
                        .map(a -> files.exists(id, event.attempt(), a))
                        .orElse(false)));
      }
      after = page.isEmpty() ? after : page.getLast().id();
    } while (page.size() == EventStore.MAX_PAGE);
    return new ArrayList<>(latest.values());
  }

  /**
   * Downloads an artifact's file from the latest attempt that has it, by artifact name ({@code
   * model}, {@code checkpoint}, {@code confusion-matrix}…) or file name ({@code model.dlm}). A name
   * with a path in it is {@code 400}.
   */
  @GetMapping("/artifacts/{name}")
  ResponseEntity<Resource> artifact(@PathVariable long id, @PathVariable String name) {
    Optional<RunArtifact> builtIn = TrialFiles.artifactNamed(name);
    if (builtIn.isEmpty()) {
      Optional<Path> output = files.latestOutput(trials.get(id), name);
      if (output.isPresent()) {
        return ResponseEntity.ok()
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .header(
                HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment()
                    .filename("trial-" + id + "-" + name)
                    .build()
                    .toString())
            .body(new FileSystemResource(output.get()));
      }
    }
    RunArtifact artifact =
        builtIn.orElseThrow(
            () ->
                new NotFoundException(
                    "There is no artifact called '"
                        + name
                        + "'; GET /api/v1/trials/"
                        + id
                        + "/artifacts lists the trial's artifacts."));
    Path file =
        files
            .latest(trials.get(id), artifact)
            .orElseThrow(
                () ->
                    new NotFoundException(
                        "Trial " + id + " has no " + artifact.artifactName() + " file yet."));
    MediaType type =
        artifact.fileName().endsWith(".json")
            ? MediaType.APPLICATION_JSON
            : MediaType.APPLICATION_OCTET_STREAM;
    return ResponseEntity.ok()
        .contentType(type)
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            ContentDisposition.attachment()
                .filename("trial-" + id + "-" + artifact.fileName())
                .build()
                .toString())
        .body(new FileSystemResource(file));
  }

  private Path report(long id, RunArtifact artifact) {
    return files
        .latest(trials.get(id), artifact)
        .orElseThrow(() -> new NotFoundException("Trial " + id + " has no test results yet."));
  }

  private MisclassifiedFile misclassified(long id) {
    JsonNode file = tree(read(report(id, RunArtifact.MISCLASSIFIED)));
    List<Misclassified> examples =
        StreamSupport.stream(file.path("examples").spliterator(), false)
            .map(
                m ->
                    new Misclassified(
                        m.path("index").asInt(),
                        m.path("actual").asInt(),
                        m.path("predicted").asInt(),
                        m.path("confidence").asDouble()))
            .toList();
    return new MisclassifiedFile(file.path("mistakes").asLong(), examples);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored report or event is not JSON", e);
    }
  }

  /** {@code misclassified.json}: how many mistakes, and the ones the run kept. */
  private record MisclassifiedFile(long mistakes, List<Misclassified> examples) {}

  /** A misclassified test image: its index in the test set, true and predicted class. */
  record Misclassified(int index, int actual, int predicted, double confidence) {}

  /**
   * A page of misclassified images: {@code mistakes} is how many the model got wrong, {@code total}
   * how many the run kept (the ones listed here).
   */
  record MisclassifiedPage(
      long mistakes, int total, int offset, int limit, List<Misclassified> items) {}

  /**
   * An artifact of the trial: its reported size and SHA-256, the attempt that wrote it, and whether
   * its file is here to download.
   */
  record ArtifactView(
      String name,
      String kind,
      long bytes,
      String sha256,
      int attempt,
      String fileName,
      boolean available) {}
}
