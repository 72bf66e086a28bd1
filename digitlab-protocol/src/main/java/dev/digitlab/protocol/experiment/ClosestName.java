package dev.digitlab.protocol.experiment;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** Suggests the known name a mistyped one was probably meant to be. */
public final class ClosestName {

  private ClosestName() {}

  /**
   * What other tools call a field, for users who come from them: Optuna's {@code n_trials}, Ray
   * Tune's {@code num_samples}, W&B sweeps' {@code method} and {@code count}. Too far from ours for
   * the edit distance, so nothing was suggested. Each is suggested only where ours is known.
   */
  private static final Map<String, String> OTHER_TOOLS =
      Map.ofEntries(
          Map.entry("n_trials", "samples"),
          Map.entry("trials", "samples"),
          Map.entry("num_samples", "samples"),
          Map.entry("max_trials", "samples"),
          Map.entry("count", "samples"),
          Map.entry("method", "type"),
          Map.entry("sampler", "type"),
          Map.entry("lr", "learningRate"));

  /** {@code "; did you mean 'learningRate'?"}, or an empty string when nothing is close. */
  public static String hint(String typed, Collection<String> known) {
    String ours = OTHER_TOOLS.get(typed.toLowerCase(Locale.ROOT));
    if (ours != null && known.contains(ours)) {
      return "; did you mean '" + ours + "'?";
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = distance(typed.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    // Beyond a couple of edits a suggestion is more confusing than helpful.
    int allowed = Math.max(2, typed.length() / 4);
    return best != null && bestDistance <= allowed ? "; did you mean '" + best + "'?" : "";
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
