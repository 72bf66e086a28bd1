package dev.digitlab.server.serving;

import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.RegisteredModel;
import dev.digitlab.server.web.WebPage;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /playground}: draw or upload a digit, see the answer of a model's production version, its
 * probabilities and the 28×28 image the model saw, and confirm or correct it as feedback. The page
 * calls the public API from the browser; this controller only lists the models to choose from.
 */
@Controller
@WebPage
class PlaygroundPage {

  private final ModelRegistry registry;

  PlaygroundPage(ModelRegistry registry) {
    this.registry = registry;
  }

  @GetMapping("/playground")
  String playground(@RequestParam(required = false) String model, Model page) {
    List<String> served =
        registry.list().stream()
            .filter(
                m -> m.aliases().stream().anyMatch(a -> a.alias().equals(ModelRegistry.PRODUCTION)))
            .map(RegisteredModel::name)
            .toList();
    page.addAttribute("models", served);
    page.addAttribute(
        "selected",
        model != null && served.contains(model) ? model : served.stream().findFirst().orElse(null));
    return "playground";
  }
}
