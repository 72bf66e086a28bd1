package dev.digitlab.server.mlflow;

import dev.digitlab.server.runs.Run;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.file.Path;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * MLflow's artifact proxy ({@code mlflow-artifacts:/} URIs: the client uploads, lists and downloads
 * through the server) and the tracking API's {@code artifacts/list}. A run's artifact root is
 * {@code <experiment>/<run>/artifacts}; files go to {@link RunArtifacts}.
 */
@RestController
class MlflowArtifactsController {

  private static final String PROXY = "/api/2.0/mlflow-artifacts/artifacts";

  private final RunArtifacts artifacts;
  private final MlflowRuns runs;

  MlflowArtifactsController(RunArtifacts artifacts, MlflowRuns runs) {
    this.artifacts = artifacts;
    this.runs = runs;
  }

  /** A path under the proxy: the run it belongs to and the path within the run's root. */
  private record Located(Run run, String path) {}

  private Located locate(String fullPath, HttpServletRequest request, boolean write) {
    String path = RunArtifacts.checkPath(fullPath);
    String[] parts = path.split("/", 4);
    if (parts.length < 3 || !parts[2].equals("artifacts")) {
      throw MlflowException.notFound(
          "No artifacts at '"
              + fullPath
              + "': paths look like <experiment id>/<run id>/artifacts/<file>");
    }
    Run run = write ? runs.writable(parts[1], request, true) : runs.find(parts[1]);
    if (!Long.toString(run.experimentId()).equals(parts[0])) {
      throw MlflowException.notFound("Run " + parts[1] + " is not in experiment " + parts[0]);
    }
    return new Located(run, parts.length == 4 ? parts[3] : "");
  }

  @PutMapping(
      path = {PROXY + "/{*path}"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  ObjectNode upload(@PathVariable String path, HttpServletRequest request) throws IOException {
    Located located = locate(path, request, true);
    if (located.path().isEmpty()) {
      throw MlflowException.invalid("An upload needs a file name after 'artifacts/'");
    }
    artifacts.put(located.run().id(), located.path(), request.getInputStream());
    return MlflowJsonViews.object();
  }

  @GetMapping(path = PROXY, produces = MediaType.APPLICATION_JSON_VALUE)
  ObjectNode listProxied(@RequestParam(required = false) String path, HttpServletRequest request) {
    if (path == null || RunArtifacts.checkPath(path).isEmpty()) {
      // MLflow lists experiments' folders at the root; Digit Lab asks for a run's path.
      throw MlflowException.invalid(
          "List a run's artifacts: path=<experiment id>/<run id>/artifacts");
    }
    Located located = locate(path, request, false);
    ObjectNode answer = MlflowJsonViews.object();
    ArrayNode files = answer.putArray("files");
    for (RunArtifacts.Entry entry : artifacts.list(located.run().id(), located.path())) {
      // The proxy lists base names; the client joins them to the path it asked for.
      String name = entry.path().substring(entry.path().lastIndexOf('/') + 1);
      file(files.addObject(), name, entry);
    }
    return answer;
  }

  @GetMapping(path = PROXY + "/{*path}")
  ResponseEntity<Resource> download(@PathVariable String path, HttpServletRequest request) {
    Located located = locate(path, request, false);
    Path file =
        artifacts
            .get(located.run().id(), located.path())
            .orElseThrow(
                () -> MlflowException.notFound("No artifact at '" + path.substring(1) + "'"));
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new FileSystemResource(file));
  }

  @DeleteMapping(path = PROXY + "/{*path}", produces = MediaType.APPLICATION_JSON_VALUE)
  ObjectNode delete(@PathVariable String path, HttpServletRequest request) {
    Located located = locate(path, request, true);
    if (!artifacts.delete(located.run().id(), located.path())) {
      throw MlflowException.notFound("No artifact at '" + path.substring(1) + "'");
    }
    return MlflowJsonViews.object();
  }

  @GetMapping(
      path = {"/api/2.0/mlflow/artifacts/list", "/ajax-api/2.0/mlflow/artifacts/list"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  ObjectNode list(MlflowRequest fields) {
    Run run = runs.find(MlflowRuns.runId(fields));
    String path = RunArtifacts.checkPath(fields.string("path"));
    ObjectNode answer = MlflowJsonViews.object();
    answer.put("root_uri", MlflowJsonViews.artifactUri(run));
    ArrayNode files = answer.putArray("files");
    for (RunArtifacts.Entry entry : artifacts.list(run.id(), path)) {
      file(files.addObject(), entry.path(), entry);
    }
    return answer;
  }

  private static void file(ObjectNode node, String path, RunArtifacts.Entry entry) {
    node.put("path", path);
    node.put("is_dir", entry.dir());
    if (entry.size() != null) {
      node.put("file_size", entry.size());
    }
  }
}
