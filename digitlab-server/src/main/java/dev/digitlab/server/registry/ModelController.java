package dev.digitlab.server.registry;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code /api/v1/models}: register versions, list and compare them, move aliases, archive.
 *
 * <p>Unlike experiments, models are not owned: every {@code user} may register (from anyone's
 * trial), promote, roll back and archive. A version is a copy that outlives the experiment it came
 * from, promoting to {@code production} is a team's decision, and whoever is on call must be able
 * to roll a bad {@code production} back at once, without finding its author or an admin. What is
 * kept instead is who did it: each action goes into the audit log with the caller's name ({@link
 * Ownership#actorOf}).
 */
@RestController
@RequestMapping("/api/v1/models")
class ModelController {

  private static final ObjectMapper JSON = Json.mapper();

  private final ModelRegistry registry;
  private final Ownership ownership;

  ModelController(ModelRegistry registry, Ownership ownership) {
    this.registry = registry;
    this.ownership = ownership;
  }

  /**
   * Body of a registration; {@code force} registers a trial that already is a version of the model
   * as one more (refused otherwise, naming that version).
   */
  record RegisterRequest(Long trialId, String description, Boolean force) {}

  /** Body of a promotion. */
  record PromoteRequest(Integer version, String reason) {}

  /** Body of a rollback (optional). */
  record RollbackRequest(String reason) {}

  /** Two or more versions side by side: each version, and the config keys whose values differ. */
  record Comparison(List<ModelVersion> versions, Map<String, List<JsonNode>> configDifferences) {}

  @GetMapping
  List<RegisteredModel> list() {
    return registry.list();
  }

  @GetMapping("/{name}")
  RegisteredModel get(@PathVariable String name) {
    return registry.get(name);
  }

  @PostMapping("/{name}/versions")
  ResponseEntity<ModelVersion> register(
      @PathVariable String name, @RequestBody RegisterRequest request, HttpServletRequest http) {
    if (request == null || request.trialId() == null) {
      throw new InvalidParameterException("trialId", "name the trial whose model to register");
    }
    ModelVersion version =
        registry.register(
            name,
            request.trialId(),
            request.description(),
            ownership.actorOf(http),
            Boolean.TRUE.equals(request.force()));
    return ResponseEntity.created(
            URI.create("/api/v1/models/" + name + "/versions/" + version.version()))
        .body(version);
  }

  /**
   * Imports an ONNX model made outside Digit Lab (the file as the body) as the next version: see
   * {@link ModelRegistry#importOnnx}. {@code pixels} says what input values the model expects,
   * {@code outputs} whether it answers logits or probabilities.
   */
  @PostMapping(
      path = "/{name}/versions/import",
      consumes = {MediaType.APPLICATION_OCTET_STREAM_VALUE, "application/onnx"})
  ResponseEntity<ModelVersion> importOnnx(
      @PathVariable String name,
      @RequestBody(required = false) byte[] onnx,
      @RequestParam(defaultValue = "0-255") String pixels,
      @RequestParam(defaultValue = "logits") String outputs,
      @RequestParam(required = false) String description,
      HttpServletRequest http) {
    ModelVersion version =
        registry.importOnnx(
            name,
            onnx,
            OnnxClassifier.PixelScale.of(pixels),
            OnnxClassifier.Outputs.of(outputs),
            description,
            ownership.actorOf(http));
    return ResponseEntity.created(
            URI.create("/api/v1/models/" + name + "/versions/" + version.version()))
        .body(version);
  }

  /** The same import from a form: the file in the part {@code file}. */
  @PostMapping(path = "/{name}/versions/import", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  ResponseEntity<ModelVersion> importOnnxForm(
      @PathVariable String name,
      @RequestParam(required = false) MultipartFile file,
      @RequestParam(defaultValue = "0-255") String pixels,
      @RequestParam(defaultValue = "logits") String outputs,
      @RequestParam(required = false) String description,
      HttpServletRequest http)
      throws java.io.IOException {
    if (file == null) {
      throw new InvalidParameterException("file", "send the ONNX file in the form part 'file'");
    }
    return importOnnx(name, file.getBytes(), pixels, outputs, description, http);
  }

  @GetMapping("/{name}/versions")
  List<ModelVersion> versions(@PathVariable String name) {
    return registry.get(name).versions();
  }

  @GetMapping("/{name}/versions/{version}")
  ModelVersion version(@PathVariable String name, @PathVariable int version) {
    return registry.version(name, version);
  }

  @PostMapping("/{name}/versions/{version}/archive")
  ModelVersion archive(
      @PathVariable String name, @PathVariable int version, HttpServletRequest http) {
    return registry.archive(name, version, ownership.actorOf(http));
  }

  @GetMapping("/{name}/compare")
  Comparison compare(@PathVariable String name, @RequestParam List<Integer> versions) {
    // ",," binds as a list of nulls: as wrong as too few versions.
    if (versions.size() < 2 || versions.contains(null)) {
      throw new InvalidParameterException("versions", "name at least two versions, like 1,2");
    }
    List<ModelVersion> found = versions.stream().map(v -> registry.version(name, v)).toList();
    List<JsonNode> configs = new ArrayList<>();
    TreeSet<String> keys = new TreeSet<>();
    for (ModelVersion v : found) {
      JsonNode config = readTree(v.config());
      configs.add(config);
      keys.addAll(config.propertyNames());
    }
    Map<String, List<JsonNode>> differences = new LinkedHashMap<>();
    for (String key : keys) {
      List<JsonNode> values = configs.stream().map(c -> c.path(key)).toList();
      if (values.stream().distinct().count() > 1) {
        differences.put(key, values);
      }
    }
    return new Comparison(found, differences);
  }

  @GetMapping("/{name}/aliases")
  List<ModelAlias> aliases(@PathVariable String name) {
    return registry.get(name).aliases();
  }

  @PutMapping("/{name}/aliases/{alias}")
  ModelAlias promote(
      @PathVariable String name,
      @PathVariable String alias,
      @RequestBody PromoteRequest request,
      HttpServletRequest http) {
    if (request == null || request.version() == null) {
      throw new InvalidParameterException("version", "name the version the alias should point at");
    }
    return registry.promote(
        name, alias, request.version(), request.reason(), ownership.actorOf(http));
  }

  @PostMapping("/{name}/aliases/{alias}/rollback")
  ModelAlias rollback(
      @PathVariable String name,
      @PathVariable String alias,
      @RequestBody(required = false) RollbackRequest request,
      HttpServletRequest http) {
    return registry.rollback(
        name, alias, request == null ? null : request.reason(), ownership.actorOf(http));
  }

  @GetMapping("/{name}/audit")
  List<AuditEntry> audit(@PathVariable String name, @RequestParam(defaultValue = "100") int limit) {
    if (limit < 1 || limit > 1000) {
      throw new InvalidParameterException("limit", "must be between 1 and 1000, got " + limit);
    }
    return registry.auditLog(name, limit);
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (JacksonException e) {
      throw new IllegalStateException("stored config is not JSON", e);
    }
  }
}
