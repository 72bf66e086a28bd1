package dev.digitlab.server.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** How pages write numbers, durations and times: short, fixed precision, UTC. */
public final class Figures {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /** Words that read as initialisms in labels ({@code lrStepEpochs} → "LR step epochs"). */
  private static final Map<String, String> INITIALISMS =
      Map.of("lr", "LR", "mlp", "MLP", "cnn", "CNN", "gpu", "GPU", "cpu", "CPU", "f1", "F1");

  private static final Pattern WORD_BREAK =
      Pattern.compile("(?<=[a-z0-9])(?=[A-Z])|[_.\\s]+|(?<=[A-Z])(?=[A-Z][a-z])");

  private Figures() {}

  /**
   * A metric such as an accuracy with four decimals; a dash when there is none yet. A diverged
   * value says so ({@code NaN}, {@code Infinity}, as MLflow logs it): a dash would read as never
   * logged.
   */
  public static String metric(Double value) {
    if (value == null) {
      return "–";
    }
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : value.toString();
  }

  /** An accuracy-like fraction as a percentage with two decimals ({@code 97.81 %}). */
  public static String percent(Double fraction) {
    if (fraction == null) {
      return "–";
    }
    return Double.isFinite(fraction)
        ? String.format(Locale.ROOT, "%.2f %%", fraction * 100)
        : fraction.toString();
  }

  /**
   * A config or metric value as a person writes it: {@code 0.0005} rather than {@code 5.0E-4},
   * {@code 64} rather than {@code 64.0}, at most six significant digits, {@code 1e-7} for tiny and
   * {@code 2e+9} for huge numbers; anything that is not a number as its text.
   */
  public static String value(Object value) {
    if (value == null) {
      return "–";
    }
    if (!(value instanceof Number number)) {
      return String.valueOf(value);
    }
    double d = number.doubleValue();
    if (!Double.isFinite(d)) {
      return String.valueOf(d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return String.valueOf((long) d);
    }
    double magnitude = Math.abs(d);
    if (magnitude >= 1e-4 && magnitude < 1e9) {
      return new BigDecimal(d)
          .round(new java.math.MathContext(6))
          .stripTrailingZeros()
          .toPlainString();
    }
    String e = String.format(Locale.ROOT, "%.5e", d); // 1.00000e-07
    String mantissa = e.substring(0, e.indexOf('e')).replaceAll("\\.?0+$", "");
    int exponent = Integer.parseInt(e.substring(e.indexOf('e') + 1));
    return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
  }

  /**
   * A config field's value as {@link #value} writes it, except where the number means something
   * else: a train or test subset of {@code 0} means every image, so it reads {@code all}.
   */
  public static String configValue(String field, Object value) {
    if (("trainSubset".equals(field) || "testSubset".equals(field))
        && value instanceof Number n
        && n.doubleValue() == 0) {
      return "all";
    }
    return value(value);
  }

  /**
   * A camelCase or snake_case name as words: {@code lrStepEpochs} → "LR step epochs", {@code
   * test_accuracy} → "Test accuracy".
   */
  public static String label(String name) {
    if (name == null || name.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (String word : WORD_BREAK.split(name)) {
      if (word.isEmpty()) {
        continue;
      }
      String lower = word.toLowerCase(Locale.ROOT);
      String shown = INITIALISMS.getOrDefault(lower, out.isEmpty() ? capitalise(lower) : lower);
      if (!out.isEmpty()) {
        out.append(' ');
      }
      out.append(shown);
    }
    return out.toString();
  }

  private static String capitalise(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }

  /** Seconds as {@code 42 s}, {@code 3 min 5 s} or {@code 2 h 10 min}; a dash for none. */
  public static String duration(Double seconds) {
    if (seconds == null || !Double.isFinite(seconds) || seconds < 0) {
      return "–";
    }
    long s = Math.round(seconds);
    if (s < 60) {
      return seconds < 10 && seconds > 0 ? String.format(Locale.ROOT, "%.1f s", seconds) : s + " s";
    }
    if (s < 3600) {
      return (s / 60) + " min " + (s % 60) + " s";
    }
    return (s / 3600) + " h " + (s % 3600 / 60) + " min";
  }

  /** An instant in UTC to the second; a dash for none. */
  public static String time(Instant instant) {
    return instant == null ? "–" : TIME.format(instant);
  }
}
