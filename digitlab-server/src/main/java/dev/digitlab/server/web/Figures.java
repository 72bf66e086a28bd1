package dev.digitlab.server.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How pages write numbers, durations and times: short, fixed precision, UTC. */
public final class Figures {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private Figures() {}

  /** A metric such as an accuracy with four decimals; a dash when there is none yet. */
  public static String metric(Double value) {
    return value == null || !Double.isFinite(value)
        ? "–"
        : String.format(Locale.ROOT, "%.4f", value);
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
