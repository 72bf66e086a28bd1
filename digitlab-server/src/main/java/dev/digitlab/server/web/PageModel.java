package dev.digitlab.server.web;

import java.time.Instant;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * What every page's layout reads besides its own data (who is signed in comes from security's
 * {@code SignedInModel}, since web imports no feature): {@code fmt}, {@link Figures} for templates,
 * so that every page writes numbers and times one way. Only for {@link WebPage} controllers: API
 * handlers never pay for it.
 */
@ControllerAdvice(annotations = WebPage.class)
class PageModel {

  private static final Formats FORMATS = new Formats();

  @ModelAttribute("fmt")
  Formats fmt() {
    return FORMATS;
  }

  /** {@link Figures} as instance methods, which templates can call. */
  public static final class Formats {

    public String time(Instant instant) {
      return Figures.time(instant);
    }

    public String percent(Double fraction) {
      return Figures.percent(fraction);
    }

    public String metric(Double value) {
      return Figures.metric(value);
    }

    public String value(Object value) {
      return Figures.value(value);
    }

    public String configValue(String field, Object value) {
      return Figures.configValue(field, value);
    }

    public String label(String name) {
      return Figures.label(name);
    }

    /** A problem's path as words: {@code config.batchSize} → "batch size". */
    public String field(String path) {
      if (path == null) {
        return "";
      }
      String shown = path.startsWith("config.") ? path.substring("config.".length()) : path;
      return Figures.label(shown).toLowerCase(java.util.Locale.ROOT).replace("lr ", "LR ");
    }
  }
}
