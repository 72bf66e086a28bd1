package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.ArtifactRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Describes a written file by size and SHA-256, so a receiver can verify what it was sent. */
public final class FileDigest {

  private FileDigest() {}

  static ArtifactRef describe(RunArtifact artifact, Path file) {
    return describe(artifact.artifactName(), artifact.kind(), file);
  }

  /** An artifact event for {@code file} under any valid artifact name and kind. */
  public static ArtifactRef describe(String name, String kind, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      long bytes = 0;
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha256.update(buffer, 0, n);
        bytes += n;
      }
      return new ArtifactRef(name, kind, bytes, HexFormat.of().formatHex(sha256.digest()));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file + " to describe it: " + e, e);
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (MessageDigest's contract).
      throw new IllegalStateException(e);
    }
  }
}
