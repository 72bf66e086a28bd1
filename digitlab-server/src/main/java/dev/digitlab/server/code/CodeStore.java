package dev.digitlab.server.code;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.database.AfterCommit;
import dev.digitlab.server.database.OnRollback;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Command experiments' packed code, stored once by its SHA-256: the bytes in {@code
 * <home>/code/<sha256>.tar.gz} and, when an object store is configured, under {@code
 * code/<sha256>.tar.gz} there; a {@code code_archive} row says the upload was whole, so every
 * server of a cluster knows it. Uploading the same bytes again changes nothing.
 */
@Component
public class CodeStore {

  private static final Logger log = LoggerFactory.getLogger(CodeStore.class);

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
      write(sha, target -> Files.copy(temp, target, StandardCopyOption.REPLACE_EXISTING));
      // ON CONFLICT, not a caught DuplicateKeyException: inside an import's transaction a failed
      // insert aborts the whole transaction on PostgreSQL, and the rest of the import would fail.
      int inserted =
          jdbc.sql(
                  """
                  INSERT INTO code_archive (sha256, size_bytes, uploaded_by, created_at)
                  VALUES (:sha, :size, :by, :now)
                  ON CONFLICT DO NOTHING
                  """)
              .param("sha", sha)
              .param("size", size)
              .param("by", uploadedBy)
              .param("now", toSql(clock.instant()))
              .update();
      if (inserted == 0) {
        return new Stored(sha, size, false); // another request stored the same bytes meanwhile
      }
      if (!TransactionSynchronizationManager.isActualTransactionActive()) {
        // The row is committed (an upload runs in no transaction): see keepFile.
        keepFile(sha, target -> Files.copy(temp, target, StandardCopyOption.REPLACE_EXISTING));
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
    Source bytes = target -> Files.write(target, archive);
    if (sha256 != null && !exists(sha256)) {
      // Stored first by this import: should its transaction roll back later (so the row goes),
      // the file goes too, unless a row of the same code committed meanwhile.
      OnRollback.run("code " + sha256, () -> removeUnlessStored(sha256, bytes));
    }
    Stored stored;
    try {
      stored = store(new ByteArrayInputStream(archive), sha256, uploadedBy);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (stored.created() && TransactionSynchronizationManager.isSynchronizationActive()) {
      String sha = stored.sha256();
      AfterCommit.run(
          () -> {
            try {
              keepFile(sha, bytes);
            } catch (RuntimeException e) {
              // The import is committed: its answer stands; a worker fetching this code says so.
              log.warn("Could not check the file of imported code {}", sha, e);
            }
          });
    }
    return stored;
  }

  /*
   * Why a committed code_archive row always has its file, with several servers on one database
   * and one object store, and no lock between them. Two kinds of actor touch a code's file:
   *
   * - a writer (an upload, an import) writes the file, then commits the row, then (keepFile)
   *   looks at the file and writes it again if it is missing;
   * - an undo (an import's transaction rolled back) looks at the row, deletes the file if no row
   *   is committed, then (keepFile) looks at the row again and writes the file back if one is.
   *
   * Each writes first and reads the other's write second, so of a commit and a delete that race,
   * whichever comes last is seen by the other's second look: a delete after the commit is seen by
   * the undo's second look (it writes the file back), a delete before the commit by the writer's
   * (it writes it again). Any committed row's file is therefore there once every actor is done.
   * Both keep the bytes until then (the upload's temporary file, the import's archive in memory).
   * Without an object store each server's folder is its own and this holds per server.
   */

  /** The undo of an import's stored code: see above. */
  private void removeUnlessStored(String sha256, Source bytes) {
    if (exists(sha256)) {
      return;
    }
    try {
      Files.deleteIfExists(file(sha256));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    artifacts.deleteFiles(key(sha256));
    keepFile(sha256, bytes);
  }

  /** Writes the code's file again, from {@code bytes}, if its row is committed and it is gone. */
  private void keepFile(String sha256, Source bytes) {
    if (!exists(sha256)) {
      return;
    }
    boolean here = Files.isRegularFile(file(sha256));
    if (here && (!artifacts.shared() || artifacts.fileStored(key(sha256)))) {
      return;
    }
    try {
      write(sha256, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Puts the code's file in place at once (a whole file or none) and publishes it. */
  private void write(String sha256, Source bytes) throws IOException {
    Files.createDirectories(root);
    Path part = Files.createTempFile(root, "code-", ".part");
    try {
      bytes.writeTo(part);
      Path file = file(sha256);
      Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      artifacts.publishFile(key(sha256), file);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /** Where a code's bytes can be written from again. */
  private interface Source {
    void writeTo(Path target) throws IOException;
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
