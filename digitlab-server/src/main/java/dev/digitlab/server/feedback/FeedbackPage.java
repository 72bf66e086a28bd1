package dev.digitlab.server.feedback;

import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.web.WebPage;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /models/{name}/feedback}: a model's feedback with its images, filtered like the API. */
@Controller
@WebPage
class FeedbackPage {

  private static final int SHOWN = 200;

  private final FeedbackStore store;
  private final ModelRegistry registry;

  FeedbackPage(FeedbackStore store, ModelRegistry registry) {
    this.store = store;
    this.registry = registry;
  }

  @GetMapping("/models/{name}/feedback")
  String feedback(
      @PathVariable String name,
      @RequestParam(required = false) Integer label,
      @RequestParam(required = false) Boolean used,
      Model page) {
    registry.get(name);
    page.addAttribute("model", name);
    page.addAttribute("label", label);
    page.addAttribute("used", used);
    page.addAttribute("feedback", store.list(new FeedbackQuery(name, label, used, null, SHOWN, 0)));
    page.addAttribute("unused", store.countUnused(name));
    return "models/feedback";
  }
}
