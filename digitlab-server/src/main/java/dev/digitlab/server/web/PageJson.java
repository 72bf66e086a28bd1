package dev.digitlab.server.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Values written into a page as JSON inside {@code <script type="application/json">}. Every {@code
 * <} is escaped, so text from users (an experiment's name) can never close the script element.
 */
public final class PageJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private PageJson() {}

  public static String of(Object value) {
    try {
      return JSON.writeValueAsString(value).replace("<", "\\u003c");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write page data as JSON", e);
    }
  }
}
