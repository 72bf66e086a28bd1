package dev.digitlab.server.web;

import dev.digitlab.ml.json.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * Values written into a page as JSON inside {@code <script type="application/json">}. Every {@code
 * <} is escaped, so text from users (an experiment's name) can never close the script element.
 */
public final class PageJson {

  private static final ObjectMapper JSON = Json.mapper();

  private PageJson() {}

  public static String of(Object value) {
    try {
      return JSON.writeValueAsString(value).replace("<", "\\u003c");
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot write page data as JSON", e);
    }
  }
}
