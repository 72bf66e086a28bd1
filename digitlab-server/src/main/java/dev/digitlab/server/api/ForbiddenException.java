package dev.digitlab.server.api;

import java.util.Map;

/**
 * The caller may not do what it asked; answered 403 with the title and properties the feature gives
 * (who owns the thing, which role may). Features extend it, so the API maps one type.
 */
public class ForbiddenException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String title;

  public ForbiddenException(String title, String message) {
    super(message);
    this.title = title;
  }

  /** The problem's title, e.g. {@code Not the owner}. */
  public String title() {
    return title;
  }

  /** Extra problem properties saying why (none by default). */
  public Map<String, Object> properties() {
    return Map.of();
  }
}
