package dev.digitlab.server.registry;

import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * {@code /models}: every model with its versions, aliases and audit log, and buttons that promote a
 * version or roll an alias back (forms that post and redirect back, so a reload repeats nothing).
 */
@Controller
@WebPage
class ModelPages {

  private static final int AUDIT_SHOWN = 20;

  private final ModelRegistry registry;
  private final Ownership ownership;

  ModelPages(ModelRegistry registry, Ownership ownership) {
    this.registry = registry;
    this.ownership = ownership;
  }

  @GetMapping("/models")
  String models(Model page, HttpServletRequest request) {
    List<RegisteredModel> models = registry.list();
    Map<String, List<AuditEntry>> audit = new LinkedHashMap<>();
    // Which aliases point at each version: shown in its row, and a version that already is
    // production offers no "Promote to production".
    Map<String, Map<Integer, List<String>>> aliases = new LinkedHashMap<>();
    for (RegisteredModel m : models) {
      audit.put(m.name(), registry.auditLog(m.name(), AUDIT_SHOWN));
      Map<Integer, List<String>> byVersion = new HashMap<>();
      m.versions().forEach(v -> byVersion.put(v.version(), new ArrayList<>()));
      m.aliases()
          .forEach(
              a -> byVersion.computeIfAbsent(a.version(), v -> new ArrayList<>()).add(a.alias()));
      aliases.put(m.name(), byVersion);
    }
    page.addAttribute("models", models);
    page.addAttribute("audit", audit);
    page.addAttribute("aliases", aliases);
    page.addAttribute("mayChange", ownership.mayWrite(request));
    return "models/list";
  }

  /** Two or more versions of a model side by side: metrics, origin and the configs' differences. */
  @GetMapping("/models/{name}/compare")
  String compare(
      @PathVariable String name,
      @RequestParam(name = "version", required = false) List<Integer> versions,
      Model page) {
    if (versions == null || versions.size() < 2 || versions.contains(null)) {
      throw new InvalidParameterException(
          "version", "tick at least two versions to compare, like version=1&version=2");
    }
    List<ModelVersion> found =
        versions.stream().distinct().map(v -> registry.version(name, v)).toList();
    List<Map<String, Object>> configs =
        found.stream().map(v -> ChartTrial.map(v.config())).toList();
    Set<String> keys = new LinkedHashSet<>();
    configs.forEach(c -> keys.addAll(c.keySet()));
    List<VersionRow> rows = new ArrayList<>();
    for (String key : keys) {
      List<Object> raw = configs.stream().map(c -> c.get(key)).toList();
      rows.add(
          new VersionRow(
              Figures.label(key),
              raw.stream().map(v -> v == null ? "–" : Figures.configValue(key, v)).toList(),
              raw.stream().distinct().count() > 1));
    }
    page.addAttribute("name", name);
    page.addAttribute("versions", found);
    page.addAttribute("rows", rows);
    page.addAttribute(
        "accuracy", found.stream().map(v -> Figures.percent(v.testAccuracy())).toList());
    page.addAttribute("f1", found.stream().map(v -> Figures.metric(v.testF1Macro())).toList());
    page.addAttribute("registered", found.stream().map(v -> Figures.time(v.createdAt())).toList());
    return "models/compare";
  }

  /** One config field across the compared versions. */
  record VersionRow(String label, List<String> values, boolean differs) {}

  /**
   * "Register model" on a succeeded trial's page: the next version of the named model, then the
   * models page, where it can be promoted. Refusals (a bad name, a trial that left no model) go
   * back to the trial page and say why.
   */
  @PostMapping("/trials/{id}/register")
  String register(
      @PathVariable long id,
      @RequestParam String name,
      @RequestParam(required = false) String description,
      RedirectAttributes redirect,
      HttpServletRequest request) {
    String model = name.strip();
    try {
      ModelVersion version =
          registry.register(
              model,
              id,
              description == null || description.isBlank() ? null : description.strip(),
              ownership.actorOf(request));
      redirect.addFlashAttribute(
          "message",
          "Trial "
              + id
              + " registered as "
              + model
              + " v"
              + version.version()
              + "; promote it below to serve it.");
      return "redirect:/models#model-" + model;
    } catch (ConflictException | NotFoundException | InvalidParameterException e) {
      redirect.addFlashAttribute("error", e.getMessage());
      return "redirect:/trials/" + id;
    }
  }

  @PostMapping("/models/{name}/promote")
  String promote(
      @PathVariable String name,
      @RequestParam int version,
      @RequestParam(defaultValue = ModelRegistry.PRODUCTION) String alias,
      RedirectAttributes redirect,
      HttpServletRequest request) {
    return act(
        redirect,
        () -> {
          registry.promote(
              name, alias, version, "from the models page", ownership.actorOf(request));
          return name + " " + alias + " now points at v" + version + ".";
        });
  }

  @PostMapping("/models/{name}/rollback")
  String rollback(
      @PathVariable String name,
      @RequestParam(defaultValue = ModelRegistry.PRODUCTION) String alias,
      RedirectAttributes redirect,
      HttpServletRequest request) {
    return act(
        redirect,
        () -> {
          ModelAlias moved =
              registry.rollback(name, alias, "from the models page", ownership.actorOf(request));
          return name + " " + alias + " rolled back to v" + moved.version() + ".";
        });
  }

  @PostMapping("/models/{name}/versions/{version}/archive")
  String archive(
      @PathVariable String name,
      @PathVariable int version,
      RedirectAttributes redirect,
      HttpServletRequest request) {
    return act(
        redirect,
        () -> {
          registry.archive(name, version, ownership.actorOf(request));
          return name + " v" + version + " archived.";
        });
  }

  /** The models page's import form: an ONNX file made elsewhere becomes the next version. */
  @PostMapping(path = "/models/import", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  String importOnnx(
      @RequestParam(defaultValue = "") String name,
      @RequestParam(required = false) MultipartFile file,
      @RequestParam(defaultValue = "0-255") String pixels,
      @RequestParam(defaultValue = "logits") String outputs,
      RedirectAttributes redirect,
      HttpServletRequest request)
      throws java.io.IOException {
    byte[] onnx = file == null ? new byte[0] : file.getBytes();
    String model = name.strip();
    return act(
        redirect,
        () -> {
          ModelVersion v =
              registry.importOnnx(
                  model,
                  onnx,
                  OnnxClassifier.PixelScale.of(pixels),
                  OnnxClassifier.Outputs.of(outputs),
                  file == null ? null : "imported from " + file.getOriginalFilename(),
                  ownership.actorOf(request));
          return "Imported the ONNX model as " + model + " v" + v.version() + ".";
        });
  }

  /** Runs a button's action; its outcome, or the reason it was refused, shows after redirect. */
  private static String act(
      RedirectAttributes redirect, java.util.function.Supplier<String> action) {
    try {
      redirect.addFlashAttribute("message", action.get());
    } catch (ConflictException | NotFoundException | InvalidParameterException e) {
      redirect.addFlashAttribute("error", e.getMessage());
    }
    return "redirect:/models";
  }
}
