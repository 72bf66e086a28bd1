package dev.digitlab.server.registry;

import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.web.WebPage;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
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
  String models(Model page) {
    List<RegisteredModel> models = registry.list();
    Map<String, List<AuditEntry>> audit = new LinkedHashMap<>();
    for (RegisteredModel m : models) {
      audit.put(m.name(), registry.auditLog(m.name(), AUDIT_SHOWN));
    }
    page.addAttribute("models", models);
    page.addAttribute("audit", audit);
    return "models/list";
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
