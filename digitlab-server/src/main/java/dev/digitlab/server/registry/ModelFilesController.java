package dev.digitlab.server.registry;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/models/{name}/versions/{version}/download?format=onnx|dlm}: a registered
 * version's file, as ONNX (input {@code pixels}, float [N, 1, 28, 28] of raw pixel values 0–255;
 * output {@code logits}, float [N, 10]) or in Digit Lab's own format.
 */
@RestController
class ModelFilesController {

  private final ModelRegistry registry;
  private final RegistryArtifacts artifacts;
  private final OnnxForm onnx;

  ModelFilesController(ModelRegistry registry, RegistryArtifacts artifacts, OnnxForm onnx) {
    this.registry = registry;
    this.artifacts = artifacts;
    this.onnx = onnx;
  }

  @GetMapping("/api/v1/models/{name}/versions/{version}/download")
  ResponseEntity<Resource> download(
      @PathVariable String name,
      @PathVariable int version,
      @RequestParam(defaultValue = "onnx") String format)
      throws IOException {
    ModelVersion found = registry.version(name, version); // 404 when there is no such version
    if (format.equals("dlm") && ModelRegistry.ONNX_ARCHITECTURE.equals(found.architecture())) {
      throw new NotFoundException(
          name
              + " v"
              + version
              + " was imported from an ONNX file and has no .dlm form; download format=onnx.");
    }
    Path file =
        switch (format) {
          case "onnx" -> onnx.file(name, version);
          case "dlm" ->
              artifacts
                  .localModelFile(name, version)
                  .orElseThrow(
                      () ->
                          new NotFoundException(
                              "The weights of " + name + " v" + version + " are missing."));
          default ->
              throw new InvalidParameterException("format", "is onnx or dlm; got '" + format + "'");
        };
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .contentLength(Files.size(file))
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            ContentDisposition.attachment()
                .filename(name + "-v" + version + "." + format)
                .build()
                .toString())
        .body(new FileSystemResource(file));
  }
}
