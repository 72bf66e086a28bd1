package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.worker.run.RunArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Artifact files remote workers upload into {@code <home>/trials/<trial>/attempt-<n>/}, where the
 * embedded worker writes them too, so the trial endpoints serve both alike. An upload is checked
 * against the artifact event that announced it (name, size, SHA-256): a file is never stored for an
 * event the server did not keep.
 */
@Component
class ArtifactUploads {

  private static final ObjectMapper JSON = Json.mapper();

  private final EventStore events;
  private final TrialDirectories directories;
  private final Checkpoints checkpoints;

  ArtifactUploads(EventStore events, TrialDirectories directories, Checkpoints checkpoints) {
    this.events = events;
    this.directories = directories;
    this.checkpoints = checkpoints;
  }

  /**
   * The checkpoint file the leased attempt resumes from.
   *
   * @throws NotFoundException if the trial has no checkpoint to resume from
   */
  Path resumeCheckpoint(Lease lease) {
    if (lease.resumeFrom() == null) {
      throw new NotFoundException("Trial " + lease.trialId() + " has no checkpoint to resume from");
    }
    return checkpoints.file(lease.trialId(), lease.resumeFrom());
  }

  /**
   * Stores the file of the attempt's artifact event {@code seq}: a built-in artifact by its name,
   * or a command's output file (an event of kind {@code output}) in the attempt's {@code outputs/}.
   */
  void store(Lease lease, String name, long seq, InputStream body) throws IOException {
    RunArtifact artifact = RunArtifact.named(name).orElse(null);
    JsonNode described = announcement(lease, name, seq);
    boolean output = RunArtifact.OUTPUT_KIND.equals(described.path("kind").asString());
    if (artifact == null && !output) {
      throw new InvalidParameterException(
          "name",
          "must be checkpoint, model, confusion-matrix, per-class, misclassified or the name of"
              + " an output artifact event, got '"
              + name
              + "'");
    }
    Path attemptDir = directories.of(lease.trialId()).resolve("attempt-" + lease.attempt());
    // The name passed ArtifactRef's pattern when its event was stored: no separators, no '..'.
    Path target = output ? RunArtifact.output(attemptDir, name) : artifact.in(attemptDir);
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempFile(target.getParent(), ".upload-", ".part");
    try {
      MessageDigest sha256 = sha256();
      long bytes;
      try (InputStream in = new DigestInputStream(body, sha256);
          OutputStream out = Files.newOutputStream(temp)) {
        bytes = in.transferTo(out);
      }
      String digest = HexFormat.of().formatHex(sha256.digest());
      if (bytes != described.path("bytes").asLong()
          || !digest.equals(described.path("sha256").asString())) {
        throw new InvalidParameterException(
            "body",
            "the upload ("
                + bytes
                + " bytes, sha256 "
                + digest
                + ") is not the file event "
                + seq
                + " describes: send that file again");
      }
      if (artifact == RunArtifact.CHECKPOINT && !output) {
        checkpoints.keep(lease.trialId(), lease.leaseToken(), lease.attempt(), seq, temp);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      if (output) {
        directories
            .artifacts()
            .publish(
                lease.trialId(),
                "attempt-" + lease.attempt() + "/" + RunArtifact.OUTPUTS_FOLDER + "/" + name,
                target);
      } else {
        directories.artifacts().publish(lease.trialId(), lease.attempt(), target);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The payload of the attempt's artifact event {@code seq}, which must name this artifact. */
  private JsonNode announcement(Lease lease, String name, long seq) {
    TrialEvent event =
        events
            .find(lease.trialId(), lease.attempt(), seq)
            .filter(e -> e.type() == EventType.ARTIFACT)
            .orElseThrow(
                () ->
                    new InvalidParameterException(
                        "seq",
                        "attempt "
                            + lease.attempt()
                            + " has no artifact event "
                            + seq
                            + ": deliver the events before uploading the file they describe"));
    try {
      JsonNode payload = JSON.readTree(event.payload());
      if (!name.equals(payload.path("name").asString())) {
        throw new InvalidParameterException(
            "seq",
            "event "
                + seq
                + " describes '"
                + payload.path("name").asString()
                + "', not '"
                + name
                + "'");
      }
      return payload;
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored event is not JSON: " + event.payload(), e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // every Java platform has SHA-256
      throw new IllegalStateException(e);
    }
  }
}
