package dev.digitlab.ml.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A dataset file being written to a hidden temporary file next to its final place. It becomes
 * visible only through {@link #commit}, after its digest matched, by an atomic rename; closing
 * without committing deletes it. So readers never see a half-written or unverified file.
 */
final class StagedFile implements AutoCloseable {

  /** Temporary files are named {@code .<stored name>-<random>.part}. */
  static final String SUFFIX = ".part";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final DatasetFile file;
  private final Path directory;
  private final Path temp;
  private final MessageDigest digest = VerifiedFile.newSha256();

  StagedFile(Path directory, DatasetFile file) throws IOException {
    this.file = file;
    this.directory = directory;
    // Not Files.createTempFile: its owner-only permissions would stick to the installed file,
    // while a shared data home needs files created under the user's umask.
    this.temp =
        Files.createFile(
            directory.resolve(
                "."
                    + file.storedName()
                    + "-"
                    + Long.toUnsignedString(RANDOM.nextLong(), 36)
                    + SUFFIX));
  }

  /** Copies {@code content}, which must already be in the stored form (raw or gzip). */
  void write(InputStream content) throws IOException {
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
      content.transferTo(out);
    }
  }

  /** Moves the file into place if its digest is the expected one; otherwise throws. */
  Path commit() throws IOException {
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!file.accepts(actual)) {
      throw new IOException(
          "SHA-256 of " + file.storedName() + " is " + actual + ", expected " + file.sha256());
    }
    Path target = directory.resolve(file.storedName());
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    new VerifiedFile(directory, file).mark(actual);
    return target;
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(temp);
  }
}
