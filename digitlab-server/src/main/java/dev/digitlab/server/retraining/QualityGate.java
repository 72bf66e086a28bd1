package dev.digitlab.server.retraining;

import java.util.Locale;

/**
 * Decides whether a retrained version replaces production: not worse on the base test set by more
 * than the tolerance, and at least as good on the held-out feedback.
 */
final class QualityGate {

  private QualityGate() {}

  /** The decision and the figures behind it, in words for the audit log. */
  record Verdict(boolean promote, String reason) {}

  static Verdict decide(Scores production, Scores candidate, double tolerance) {
    String figures =
        String.format(
            Locale.ROOT,
            "test accuracy %.4f vs production %.4f (tolerance %.4f); held-out feedback %s vs %s",
            candidate.testAccuracy(),
            production.testAccuracy(),
            tolerance,
            heldOut(candidate),
            heldOut(production));
    if (candidate.testAccuracy() < production.testAccuracy() - tolerance) {
      return new Verdict(false, "worse on the test set: " + figures);
    }
    if (candidate.heldOutAccuracy() < production.heldOutAccuracy()) {
      return new Verdict(false, "worse on held-out feedback: " + figures);
    }
    return new Verdict(true, "passed: " + figures);
  }

  private static String heldOut(Scores s) {
    return s.heldOutImages() == 0
        ? "n/a (no held-out images)"
        : String.format(
            Locale.ROOT,
            "%.4f (%d/%d)",
            s.heldOutAccuracy(),
            Math.round(s.heldOutAccuracy() * s.heldOutImages()),
            s.heldOutImages());
  }

  /** A version's accuracy on the base test set and on the held-out feedback (1 when empty). */
  record Scores(double testAccuracy, double heldOutAccuracy, int heldOutImages) {}
}
