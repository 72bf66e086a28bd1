package dev.digitlab.server.retraining;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.web.WebPage;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** {@code /models/{name}/retraining}: the retraining policy as a form, checked like the API. */
@Controller
@WebPage
class RetrainingPage {

  private final RetrainingController api;
  private final ModelRegistry registry;

  RetrainingPage(RetrainingController api, ModelRegistry registry) {
    this.api = api;
    this.registry = registry;
  }

  @GetMapping("/models/{name}/retraining")
  String policy(@PathVariable String name, Model page) {
    page.addAttribute("model", name);
    page.addAttribute("policy", api.get(name));
    page.addAttribute("audit", registry.auditLog(name, 20));
    return "models/retraining";
  }

  @PostMapping("/models/{name}/retraining")
  String save(
      @PathVariable String name,
      @RequestParam(defaultValue = "false") boolean enabled,
      @RequestParam int threshold,
      @RequestParam String baseDataset,
      @RequestParam double gateTolerance,
      RedirectAttributes redirect) {
    try {
      api.put(
          name,
          new RetrainingController.PolicyChange(enabled, threshold, baseDataset, gateTolerance));
      redirect.addFlashAttribute("message", "Saved.");
    } catch (InvalidParameterException e) {
      redirect.addFlashAttribute("error", e.getMessage());
    }
    return "redirect:/models/" + name + "/retraining";
  }
}
