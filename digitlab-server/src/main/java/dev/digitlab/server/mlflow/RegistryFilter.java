package dev.digitlab.server.mlflow;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MLflow's registry filters in the run grammar ({@code runs/RunFilter}): a registry key such as
 * {@code name} or {@code version_number} becomes the run key that compares the same way. Only a
 * whole bare word before a comparator is a key: the filter is read as the grammar reads it, so a
 * quoted value ({@code name = 'x version_number > 1'}), a backquoted or double-quoted key and a
 * prefixed one ({@code tags.name}) keep the user's text.
 */
final class RegistryFilter {

  /** What a registry key becomes, and the comparators after which it is one. */
  record Key(String runKey, List<String> comparators) {

    /** A key compared by equality, pattern or list. */
    static Key equalityOnly(String runKey) {
      return new Key(runKey, STRING_COMPARATORS);
    }

    /** A key that is ordered too ({@code <}, {@code >}). */
    static Key ordered(String runKey) {
      return new Key(runKey, ALL_COMPARATORS);
    }
  }

  private static final List<String> STRING_COMPARATORS =
      List.of("=", "!=", "like", "ilike", "in", "not");
  private static final List<String> ALL_COMPARATORS =
      List.of("=", "!=", "<", ">", "like", "ilike", "in", "not");

  /** {@code name} and {@code run_id}, on models and versions. */
  static final Map<String, Key> MODEL_KEYS =
      Map.of(
          "name", Key.equalityOnly("attributes.run_name"),
          "run_id", Key.equalityOnly("tags.run_id"));

  private RegistryFilter() {}

  /** {@code filter} with each of {@code keys} that stands as a key replaced by its run key. */
  static String rewrite(String filter, Map<String, Key> keys) {
    if (filter == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(filter.length() + 32);
    int at = 0;
    while (at < filter.length()) {
      char c = filter.charAt(at);
      if (c == '\'' || c == '"' || c == '`') {
        // Quoted text ends at the next same quote, as the grammar reads it; unclosed, the rest
        // is left for the grammar to refuse.
        int end = filter.indexOf(c, at + 1);
        int next = end < 0 ? filter.length() : end + 1;
        out.append(filter, at, next);
        at = next;
      } else if (isWordChar(c)) {
        int end = at;
        while (end < filter.length() && isWordChar(filter.charAt(end))) {
          end++;
        }
        String word = filter.substring(at, end);
        Key key = keys.get(word.toLowerCase(Locale.ROOT));
        boolean afterQuote = at > 0 && "'\"`".indexOf(filter.charAt(at - 1)) >= 0;
        if (key != null && !afterQuote && comparatorFollows(filter, end, key.comparators())) {
          out.append(key.runKey());
        } else {
          out.append(word);
        }
        at = end;
      } else {
        out.append(c);
        at++;
      }
    }
    return out.toString();
  }

  /** The characters of an identifier in the run grammar. */
  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || "_.-/:".indexOf(c) >= 0;
  }

  private static boolean comparatorFollows(String filter, int from, List<String> comparators) {
    int at = from;
    while (at < filter.length() && Character.isWhitespace(filter.charAt(at))) {
      at++;
    }
    int wordEnd = at;
    while (wordEnd < filter.length() && Character.isLetter(filter.charAt(wordEnd))) {
      wordEnd++;
    }
    String word = filter.substring(at, wordEnd).toLowerCase(Locale.ROOT);
    for (String comparator : comparators) {
      if (Character.isLetter(comparator.charAt(0))
          ? word.equals(comparator)
          : filter.startsWith(comparator, at)) {
        return true;
      }
    }
    return false;
  }
}
