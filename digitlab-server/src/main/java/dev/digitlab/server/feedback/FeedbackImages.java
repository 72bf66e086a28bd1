package dev.digitlab.server.feedback;

import dev.digitlab.server.artifacts.TrialArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Feedback images in the artifact store, {@code <home>/feedback/<sha256>}: named by content, so the
 * same image sent twice is one file, and written by rename, so a crash leaves no half file. With a
 * shared object store they are published there too ({@code feedback/<sha256>}), so that any server
 * can show them and retrain on them.
 */
@Component
public class FeedbackImages {

  private final Path root;
  private final TrialArtifactStore shared;

  FeedbackImages(@Value("${digitlab.home}") Path home, TrialArtifactStore shared) {
    this.root = home.resolve("feedback");
    this.shared = shared;
  }

  /** Stores the bytes (if new) and returns their SHA-256, which is also the file's name. */
  String store(byte[] bytes) {
    try {
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      Path file = root.resolve(sha);
      if (!Files.exists(file)) {
        Files.createDirectories(root);
        Path temp = Files.createTempFile(root, sha, ".tmp");
        try {
          Files.write(temp, bytes);
          Files.move(
              temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(temp);
        }
        shared.publishFile("feedback/" + sha, file);
      }
      return sha;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot store a feedback image: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public byte[] read(String name) {
    try {
      Path file = root.resolve(name);
      shared.fetchFile("feedback/" + name, file);
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read feedback image " + name + ": " + e, e);
    }
  }
}
