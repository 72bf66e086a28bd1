package dev.digitlab.ml.data;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One file of a dataset: its IDX name (without {@code .gz}), its SHA-256 and whether that digest is
 * of the raw content or of the gzip file.
 *
 * <p>Publishers differ: MNIST's trustworthy digests are of the raw files, Fashion-MNIST publishes
 * digests of the {@code .gz} files. We store exactly the bytes that were verified, so a later run
 * can check the stored file against the same digest without decompressing anything.
 *
 * @param otherSha256 digests of other known-good forms of the same file, also accepted: Debian's
 *     {@code dataset-fashion-mnist} recompressed the upstream {@code .gz} files, so its bytes have
 *     their own (pinned) digests
 */
public record DatasetFile(String name, String sha256, Digest digestOf, List<String> otherSha256) {

  /** What the SHA-256 of a {@link DatasetFile} was computed over. */
  public enum Digest {
    /** The uncompressed IDX file; it is stored decompressed. */
    RAW,
    /** The {@code .gz} file as served; it is stored compressed. */
    GZIP
  }

  public DatasetFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(digestOf, "digestOf");
    sha256 = checked(sha256);
    otherSha256 = otherSha256.stream().map(DatasetFile::checked).toList();
  }

  public DatasetFile(String name, String sha256, Digest digestOf) {
    this(name, sha256, digestOf, List.of());
  }

  /** Whether {@code digest} is one of this file's known-good digests. */
  public boolean accepts(String digest) {
    return sha256.equals(digest) || otherSha256.contains(digest);
  }

  private static String checked(String sha256) {
    String lower = sha256.toLowerCase(Locale.ROOT);
    if (lower.length() != 64 || !lower.chars().allMatch(HexFormat::isHexDigit)) {
      throw new IllegalArgumentException("not a SHA-256 hex digest: " + sha256);
    }
    return lower;
  }

  /** The name mirrors serve it under. */
  public String downloadName() {
    return name + ".gz";
  }

  /** The name it is stored under once verified. */
  public String storedName() {
    return digestOf == Digest.RAW ? name : name + ".gz";
  }
}
