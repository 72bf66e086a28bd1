package dev.digitlab.server.runs;

/**
 * SQL's LIKE ({@code %} any run of characters, {@code _} exactly one) matched without a regex. As a
 * backtracking regex ({@code .*a.*a.*b}) a pattern with many {@code %} tried every way of placing
 * its pieces, exponential in their number: {@code '%a%a%a%a%a%a%b'} against a 250-character name
 * held a core for hours (OutsideAttackTest). This keeps only the last {@code %} to return to, so a
 * match costs at most the pattern's length times the text's.
 */
final class LikePattern {

  private static final int ANY_RUN = -1;
  private static final int ANY_ONE = -2;

  private final int[] pattern;
  private final boolean ignoreCase;

  private LikePattern(int[] pattern, boolean ignoreCase) {
    this.pattern = pattern;
    this.ignoreCase = ignoreCase;
  }

  /** {@code pattern} as LIKE ({@code ignoreCase} false) or ILIKE reads it. */
  static LikePattern of(String pattern, boolean ignoreCase) {
    return new LikePattern(
        pattern.codePoints().map(c -> c == '%' ? ANY_RUN : c == '_' ? ANY_ONE : c).toArray(),
        ignoreCase);
  }

  /** Whether all of {@code text} matches, code point by code point. */
  boolean matches(String text) {
    int[] chars = text.codePoints().toArray();
    int p = 0;
    int c = 0;
    // Where the last % is in the pattern, and the text position it was last tried to end at.
    int star = -1;
    int resume = 0;
    while (c < chars.length) {
      if (p < pattern.length && pattern[p] == ANY_RUN) {
        star = p++;
        resume = c;
      } else if (p < pattern.length && (pattern[p] == ANY_ONE || same(pattern[p], chars[c]))) {
        p++;
        c++;
      } else if (star >= 0) {
        // The pieces after the last % failed here: let that % take one more character. Earlier
        // %s never need to take more: whatever the last one's pieces match later, it reaches too.
        p = star + 1;
        c = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length && pattern[p] == ANY_RUN) {
      p++;
    }
    return p == pattern.length;
  }

  /** Equal, or (ILIKE) equal ignoring case as a CASE_INSENSITIVE, UNICODE_CASE regex does. */
  private boolean same(int expected, int actual) {
    return expected == actual
        || ignoreCase
            && (Character.toUpperCase(expected) == Character.toUpperCase(actual)
                || Character.toLowerCase(expected) == Character.toLowerCase(actual));
  }
}
