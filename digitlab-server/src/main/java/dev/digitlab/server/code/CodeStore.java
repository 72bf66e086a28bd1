package dev.digitlab.server.code;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Command experiments' packed code, stored once by its SHA-256: the bytes in {@code
 * <home>/code/<sha256>.tar.gz} and, when an object store is configured, under {@code
 * code/<sha256>.tar.gz} there; a {@code code_archive} row says the upload was whole, so every
 * server of a cluster knows it. Uploading the same bytes again changes nothing.
 */
@Component
public class CodeStore {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Path root;
  private final TrialArtifactStore artifacts;
  private final JdbcClient jdbc;
  private final Clock clock;

  CodeStore(
      @Value("${digitlab.home}") Path home,
      TrialArtifactStore artifacts,
      JdbcClient jdbc,
      Clock clock) {
    this.root = home.resolve("code");
    this.artifacts = artifacts;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** A stored archive, and whether this upload stored it (false: it was there already). */
  public record Stored(String sha256, long sizeBytes, boolean created) {

    /** How an experiment refers to it: {@code sha256:<hex>}. */
    public String reference() {
      return "sha256:" + sha256;
    }
  }

  /**
   * Stores the archive read from {@code body}, checked as packed code, unless the same bytes are
   * stored already.
   *
   * @param expectedSha256 the hash the client computed, or null; a mismatch is refused (a damaged
   *     upload)
   * @throws InvalidParameterException (400) for an archive that is not packed code, or a hash
   *     mismatch; nothing is stored then
   */
  Stored store(InputStream body, String expectedSha256, String uploadedBy) throws IOException {
    if (expectedSha256 != null && !SHA256.matcher(expectedSha256).matches()) {
      throw new InvalidParameterException(
          "sha256", "must be 64 lower-case hex digits, got '" + expectedSha256 + "'");
    }
    Files.createDirectories(root);
    Path temp = Files.createTempFile(root, "upload-", ".part");
    try {
      MessageDigest digest = sha256();
      long size;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
        size = body.transferTo(out);
      }
      String sha = HexFormat.of().formatHex(digest.digest());
      if (expectedSha256 != null && !expectedSha256.equals(sha)) {
        throw new InvalidParameterException(
            "sha256",
            "the upload's SHA-256 is "
                + sha
                + ", not "
                + expectedSha256
                + ": it was damaged; send it again");
      }
      if (exists(sha)) {
        return new Stored(sha, size, false);
      }
      if (size == 0) {
        throw new InvalidParameterException("body", "is empty: send the packed code (.tar.gz)");
      }
      String problem = PackedCode.problem(temp);
      if (problem != null) {
        throw new InvalidParameterException("body", problem);
      }
      Path file = file(sha);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      artifacts.publishFile(key(sha), file);
      try {
        jdbc.sql(
                """
                INSERT INTO code_archive (sha256, size_bytes, uploaded_by, created_at)
                VALUES (:sha, :size, :by, :now)
                """)
            .param("sha", sha)
            .param("size", size)
            .param("by", uploadedBy)
            .param("now", toSql(clock.instant()))
            .update();
      } catch (DuplicateKeyException e) {
        return new Stored(sha, size, false); // another request stored the same bytes meanwhile
      }
      return new Stored(sha, size, true);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Stores packed code an imported experiment carried, as an upload of it would (idempotent;
   * checked as packed code and against {@code sha256}). Called inside the import's transaction:
   * code this call stored goes again if that transaction rolls back.
   *
   * @throws InvalidParameterException (400) for bytes that are not that packed code
   */
  public Stored storeImported(byte[] archive, String sha256, String uploadedBy) {
    if (sha256 != null && !exists(sha256)) {
      // Stored first by this import: should its transaction roll back later (so the row goes),
      // the file goes too, unless an upload of the same bytes committed meanwhile.
      dev.digitlab.server.database.OnRollback.run(
          "code " + sha256,
          () -> {
            if (!exists(sha256)) {
              try {
                Files.deleteIfExists(file(sha256));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              artifacts.deleteFiles(key(sha256));
            }
          });
    }
    try {
      return store(new java.io.ByteArrayInputStream(archive), sha256, uploadedBy);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Whether code with this SHA-256 (hex) was uploaded whole. */
  public boolean exists(String sha256) {
    return sha256 != null
        && SHA256.matcher(sha256).matches()
        && jdbc.sql("SELECT COUNT(*) FROM code_archive WHERE sha256 = :sha")
                .param("sha", sha256)
                .query(Long.class)
                .single()
            > 0;
  }

  /**
   * The packed code with this SHA-256 as a local file (fetched from the object store when only it
   * has the bytes), for the workers' code endpoint ({@code WorkerProtocol.CODE}); empty when no
   * such code was uploaded.
   */
  public Optional<Path> open(String sha256) {
    if (!exists(sha256)) {
      return Optional.empty();
    }
    Path file = file(sha256);
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot make " + root, e);
    }
    return artifacts.fetchFile(key(sha256), file) ? Optional.of(file) : Optional.empty();
  }

  /**
   * The problem with a command experiment's code reference, or null when the server has the code
   * (or the experiment names none): what a submission is refused for.
   */
  public String problem(CommandSpec command) {
    if (command.code() == null) {
      return null;
    }
    String sha = command.codeSha256();
    if (sha == null) {
      return "must be sha256:<hex> of code uploaded to POST "
          + dev.digitlab.server.api.RequestLimits.CODE_UPLOAD
          + ", got '"
          + command.code()
          + "' ('digitlab submit' packs and uploads a folder for you)";
    }
    if (!exists(sha)) {
      return "no code with SHA-256 "
          + sha
          + " was uploaded here; upload it to POST "
          + dev.digitlab.server.api.RequestLimits.CODE_UPLOAD
          + " first";
    }
    return null;
  }

  private Path file(String sha256) {
    return root.resolve(sha256 + ".tar.gz");
  }

  private static String key(String sha256) {
    return "code/" + sha256 + ".tar.gz";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
