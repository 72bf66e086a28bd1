package dev.digitlab.ml.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A stored dataset file and its {@code <file>.sha256} marker. The marker records digest, size and
 * modification time of the file as last verified, so that every command that loads a dataset does
 * not re-hash 50 MB; a file changed since (by size or time) is hashed again.
 */
final class VerifiedFile {

  private final Path path;
  private final Path marker;
  private final DatasetFile file;

  VerifiedFile(Path directory, DatasetFile file) {
    this.path = directory.resolve(file.storedName());
    this.marker = directory.resolve(file.storedName() + ".sha256");
    this.file = file;
  }

  Path path() {
    return path;
  }

  /** True if the file exists with the expected digest; hashes it only when the marker is stale. */
  boolean isVerified() throws IOException {
    if (!Files.isRegularFile(path)) {
      return false;
    }
    if (markerMatches()) {
      return true;
    }
    String actual = sha256(path);
    if (file.accepts(actual)) {
      mark(actual);
      return true;
    }
    return false;
  }

  /** Records that the file, as it is now, has {@code digest}, one of the accepted ones. */
  void mark(String digest) throws IOException {
    String line = digest + " " + Files.size(path) + " " + lastModified() + "\n";
    Files.writeString(marker, line, StandardCharsets.US_ASCII);
  }

  private boolean markerMatches() throws IOException {
    if (!Files.isRegularFile(marker)) {
      return false;
    }
    String[] parts = Files.readString(marker, StandardCharsets.US_ASCII).trim().split(" ");
    return parts.length == 3
        && file.accepts(parts[0])
        && parts[1].equals(Long.toString(Files.size(path)))
        && parts[2].equals(Long.toString(lastModified()));
  }

  private long lastModified() throws IOException {
    return Files.getLastModifiedTime(path).toMillis();
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest = newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }
}
