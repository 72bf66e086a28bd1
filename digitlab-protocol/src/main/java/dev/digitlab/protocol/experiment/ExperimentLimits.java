package dev.digitlab.protocol.experiment;

/**
 * Bounds that keep a hostile or mistaken document cheap to reject.
 *
 * @param maxDocumentBytes largest document accepted, in UTF-8 bytes
 * @param maxTrials largest number of trials a search may expand to
 * @param maxNestingDepth deepest nesting of mappings and lists accepted
 */
public record ExperimentLimits(int maxDocumentBytes, int maxTrials, int maxNestingDepth) {

  /** 1 MB documents, 256 trials, 20 levels of nesting (a valid file needs 6). */
  public static final ExperimentLimits DEFAULTS = new ExperimentLimits(1 << 20, 256, 20);

  public ExperimentLimits {
    if (maxDocumentBytes < 1 || maxTrials < 1 || maxNestingDepth < 1) {
      throw new IllegalArgumentException(
          "experiment limits must be positive, got "
              + maxDocumentBytes
              + " bytes, "
              + maxTrials
              + " trials, depth "
              + maxNestingDepth);
    }
  }

  /** These limits with another trial cap. */
  public ExperimentLimits withMaxTrials(int trials) {
    return new ExperimentLimits(maxDocumentBytes, trials, maxNestingDepth);
  }

  /** These limits with another document size. */
  public ExperimentLimits withMaxDocumentBytes(int bytes) {
    return new ExperimentLimits(bytes, maxTrials, maxNestingDepth);
  }
}
