package dev.digitlab.server.web;

import java.util.Base64;

/**
 * Helpers for the pages the server writes by hand as one self-contained file (the pipeline and
 * experiment reports): text escaped for HTML, images inlined as data URIs, so that the page opens
 * from disk with no server and no network.
 */
public final class StaticHtml {

  private StaticHtml() {}

  /** Text safe in an element's content and in a quoted attribute value. */
  public static String esc(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A PNG as a {@code data:} URI for an {@code img}'s {@code src}: nothing to fetch. */
  public static String png(byte[] bytes) {
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes);
  }
}
