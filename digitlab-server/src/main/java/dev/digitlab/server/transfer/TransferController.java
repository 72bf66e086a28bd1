package dev.digitlab.server.transfer;

import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Moving an experiment or a pipeline run between servers: {@code GET
 * /api/v1/experiments/{id}/export} and {@code GET /api/v1/pipelines/{id}/export} (read access, like
 * every GET), {@code POST /api/v1/experiments/import} and {@code POST /api/v1/pipelines/import}
 * (the {@code user} role, like every write). See {@link ExperimentExport} and {@link
 * PipelineTransfer} for what a file carries.
 */
@RestController
class TransferController {

  static final MediaType GZIP = MediaType.parseMediaType("application/gzip");

  private final ExperimentExporter exporter;
  private final ExperimentImporter importer;
  private final PipelineTransfer pipelines;
  private final Ownership ownership;
  private final ImportSlots slots;

  TransferController(
      ExperimentExporter exporter,
      ExperimentImporter importer,
      PipelineTransfer pipelines,
      Ownership ownership,
      ImportSlots slots) {
    this.slots = slots;
    this.exporter = exporter;
    this.importer = importer;
    this.pipelines = pipelines;
    this.ownership = ownership;
  }

  @GetMapping("/api/v1/experiments/{id}/export")
  void export(@PathVariable long id, HttpServletResponse response) throws IOException {
    send(exporter.export(id), "experiment-" + id + ".tar.gz", response);
  }

  /**
   * The body is the exported {@code .tar.gz} as it was downloaded (or a first-format file: gzip
   * JSON, or its JSON uncompressed). {@code copy=true} stores it as a new experiment even when it
   * is already here (else a 409 naming it).
   */
  @PostMapping(path = "/api/v1/experiments/import", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> importFile(
      InputStream body,
      @RequestParam(defaultValue = "false") boolean copy,
      HttpServletRequest request)
      throws IOException {
    long id = slots.run(body, file -> importer.importFile(file, ownership.ownerOf(request), copy));
    return ResponseEntity.created(URI.create("/api/v1/experiments/" + id))
        .body(Map.of("id", id, "url", "/api/v1/experiments/" + id));
  }

  @GetMapping("/api/v1/pipelines/{id}/export")
  void exportPipeline(@PathVariable long id, HttpServletResponse response) throws IOException {
    send(pipelines.export(id), "pipeline-run-" + id + ".tar.gz", response);
  }

  /**
   * Writes the export to the response as it is made (chunked, no length known ahead), on the
   * request's own (virtual) thread: no async timeout cuts a long download. Everything that can be
   * refused (an unknown id) was found while gathering, before the response began; a failure while
   * writing leaves the archive unfinished ({@link ExportEntries}) and, the response being
   * committed, the error handler rethrows it so that the container closes the connection.
   */
  private static void send(ExportEntries export, String fileName, HttpServletResponse response)
      throws IOException {
    try (export) {
      response.setContentType(GZIP.toString());
      response.setHeader(
          HttpHeaders.CONTENT_DISPOSITION,
          ContentDisposition.attachment().filename(fileName).build().toString());
      export.writeTo(response.getOutputStream());
    }
  }

  /**
   * The body is a pipeline run's exported {@code .tar.gz}; {@code copy=true} stores it as a new run
   * even when it was imported before (else a 409 naming that run).
   */
  @PostMapping(path = "/api/v1/pipelines/import", produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> importPipeline(
      InputStream body,
      @RequestParam(defaultValue = "false") boolean copy,
      HttpServletRequest request)
      throws IOException {
    long id = slots.run(body, file -> pipelines.importFile(file, ownership.ownerOf(request), copy));
    return ResponseEntity.created(URI.create("/api/v1/pipelines/" + id))
        .body(Map.of("id", id, "url", "/api/v1/pipelines/" + id));
  }
}
