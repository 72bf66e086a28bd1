package dev.digitlab.server.runs;

import java.util.Comparator;

/**
 * Keys as a reader sorts them: letters regardless of case, and runs of digits by their number, so
 * that {@code layer2_loss} comes before {@code layer10_loss} and {@code Team} beside {@code tag}.
 * Keys equal but for case are then ordered as strings, so that no two keys compare equal.
 */
final class NaturalOrder {

  static final Comparator<String> KEYS = NaturalOrder::compare;

  private NaturalOrder() {}

  static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char x = a.charAt(i);
      char y = b.charAt(j);
      if (isDigit(x) && isDigit(y)) {
        int endA = digitsEnd(a, i);
        int endB = digitsEnd(b, j);
        int byNumber = compareNumbers(a.substring(i, endA), b.substring(j, endB));
        if (byNumber != 0) {
          return byNumber;
        }
        i = endA;
        j = endB;
        continue;
      }
      int byLetter =
          Character.compare(
              Character.toLowerCase(Character.toUpperCase(x)),
              Character.toLowerCase(Character.toUpperCase(y)));
      if (byLetter != 0) {
        return byLetter;
      }
      i++;
      j++;
    }
    int byLength = Integer.compare(a.length() - i, b.length() - j);
    return byLength != 0 ? byLength : a.compareTo(b);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int digitsEnd(String s, int from) {
    int end = from;
    while (end < s.length() && isDigit(s.charAt(end))) {
      end++;
    }
    return end;
  }

  /**
   * Two runs of digits by their value, whatever their length (no overflow), then fewer zeros first.
   */
  private static int compareNumbers(String a, String b) {
    String x = a.replaceFirst("^0+(?=.)", "");
    String y = b.replaceFirst("^0+(?=.)", "");
    int byValue =
        x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
    return byValue != 0 ? byValue : Integer.compare(a.length(), b.length());
  }
}
