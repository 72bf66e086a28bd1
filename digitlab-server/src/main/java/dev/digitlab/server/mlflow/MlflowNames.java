package dev.digitlab.server.mlflow;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * MLflow's rules for metric, param and tag keys and for value lengths (mlflow/utils/validation).
 */
final class MlflowNames {

  static final int MAX_KEY_LENGTH = 250;
  static final int MAX_PARAM_VALUE_LENGTH = 6000;
  static final int MAX_TAG_VALUE_LENGTH = 8000;
  static final int MAX_EXPERIMENT_TAG_VALUE_LENGTH = 5000;

  /** Python's {@code ^[/\w.\- :]*$}: \w is Unicode there. */
  private static final Pattern VALID =
      Pattern.compile("^[/\\w.\\- :]*$", Pattern.UNICODE_CHARACTER_CLASS);

  private MlflowNames() {}

  static void checkKey(String kind, String key) {
    if (key == null) {
      throw MlflowRequest.missing("key");
    }
    if (!VALID.matcher(key).matches()) {
      throw MlflowException.invalid(
          "Invalid "
              + kind
              + " name: '"
              + key
              + "'. Names may only contain alphanumerics, underscores (_), dashes (-), periods"
              + " (.), spaces ( ), colon(:) and slashes (/).");
    }
    String normal = normalise(key);
    if (!normal.equals(key) || normal.equals(".") || normal.startsWith("..")) {
      throw MlflowException.invalid(
          "Invalid "
              + kind
              + " name: '"
              + key
              + "'. Names may be treated as files in certain cases, and must not resolve to other"
              + " names when treated as such. This name would resolve to '"
              + normal
              + "'");
    }
    if (normal.startsWith("/")) {
      throw MlflowException.invalid(
          "Invalid " + kind + " name: '" + key + "'. Names must not start with '/'");
    }
    checkLength(kind + " key", key, MAX_KEY_LENGTH);
  }

  static void checkLength(String what, String value, int max) {
    if (value != null && value.length() > max) {
      throw MlflowException.invalid(
          what
              + " '"
              + (value.length() > 50 ? value.substring(0, 50) + "…" : value)
              + "' had length "
              + value.length()
              + ", which exceeded length limit of "
              + max);
    }
  }

  /** Python's posixpath.normpath. */
  static String normalise(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean absolute = path.startsWith("/");
    int leadingSlashes = absolute ? (path.startsWith("//") && !path.startsWith("///") ? 2 : 1) : 0;
    Deque<String> parts = new ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..") && (!parts.isEmpty() && !parts.peekLast().equals("..") || absolute)) {
        if (!parts.isEmpty()) {
          parts.removeLast();
        }
        continue;
      }
      parts.addLast(part);
    }
    String joined = String.join("/", parts);
    String normal = "/".repeat(leadingSlashes) + joined;
    return normal.isEmpty() ? "." : normal;
  }
}
