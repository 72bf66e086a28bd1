package dev.digitlab.ml.data;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * One file of a dataset: its IDX name (without {@code .gz}), its SHA-256 and whether that digest is
 * of the raw content or of the gzip file.
 *
 * <p>Publishers differ: MNIST's trustworthy digests are of the raw files, Fashion-MNIST publishes
 * digests of the {@code .gz} files. We store exactly the bytes that were verified, so a later run
 * can check the stored file against the same digest without decompressing anything.
 */
public record DatasetFile(String name, String sha256, Digest digestOf) {

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
    sha256 = sha256.toLowerCase(Locale.ROOT);
    if (sha256.length() != 64 || !sha256.chars().allMatch(HexFormat::isHexDigit)) {
      throw new IllegalArgumentException("not a SHA-256 hex digest: " + sha256);
    }
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
