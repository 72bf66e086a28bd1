package dev.digitlab.worker.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A worker's packed code, kept by SHA-256 in {@code <folder>/<sha256>.tar.gz}: fetched once, its
 * digest checked before it is kept, so every attempt of an experiment after the first unpacks from
 * the disk. A file is only ever kept under the digest of its own bytes.
 */
public final class CodeCache {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Path folder;

  public CodeCache(Path folder) {
    this.folder = folder;
  }

  /**
   * The packed code with this digest, fetched with {@code fetcher} if this worker does not have it
   * yet.
   *
   * @throws IOException if it cannot be fetched, or what was fetched has another digest
   */
  public Path get(String sha256, CodeFetcher fetcher) throws IOException, InterruptedException {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IOException("the code's SHA-256 must be 64 lower-case hex digits, got " + sha256);
    }
    Path kept = folder.resolve(sha256 + ".tar.gz");
    if (Files.isRegularFile(kept)) {
      return kept;
    }
    Files.createDirectories(folder);
    Path partial = Files.createTempFile(folder, sha256, ".part");
    try {
      fetcher.fetch(sha256, partial);
      String actual = sha256(partial);
      if (!actual.equals(sha256)) {
        throw new IOException(
            "the code fetched for " + sha256 + " has SHA-256 " + actual + "; refusing to run it");
      }
      // Two slots fetching the same code at once both move a verified copy: either is right.
      Files.move(
          partial, kept, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return kept;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /** The SHA-256 of a file, as lower-case hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
