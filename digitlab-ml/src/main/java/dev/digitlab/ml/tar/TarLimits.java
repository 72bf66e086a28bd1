package dev.digitlab.ml.tar;

/**
 * Bounds a reader enforces, so that a small upload cannot claim or unpack into gigabytes.
 *
 * @param maxEntryBytes the most bytes one entry may hold
 * @param maxTotalBytes the most bytes all entries together may hold
 * @param maxEntries the most entries an archive may have
 */
public record TarLimits(long maxEntryBytes, long maxTotalBytes, int maxEntries) {

  /** Generous bounds, for packages and folders this machine packed or checked by digest. */
  public static final TarLimits GENEROUS = new TarLimits(8L << 30, 64L << 30, 1_000_000);

  public TarLimits {
    if (maxEntryBytes < 0 || maxTotalBytes < 0 || maxEntries < 0) {
      throw new IllegalArgumentException("tar limits cannot be negative");
    }
  }
}
