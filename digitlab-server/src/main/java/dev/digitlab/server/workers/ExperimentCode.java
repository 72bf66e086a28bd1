package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.ForbiddenException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.code.CodeStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * A command experiment's packed code as workers get it: only by a worker that holds the lease of a
 * running trial of an experiment whose code it is. The code a user uploaded is theirs to share with
 * the workers that run it, not with every worker token (or with a leaked lease of another
 * experiment).
 */
@Component
class ExperimentCode {

  private static final ObjectMapper JSON = Json.mapper();

  private final LeasedSpecs leasedSpecs;
  private final CodeStore store;

  ExperimentCode(LeasedSpecs leasedSpecs, CodeStore store) {
    this.leasedSpecs = leasedSpecs;
    this.store = store;
  }

  /**
   * The file of the code {@code sha256}, for the holder of {@code leaseToken}.
   *
   * @throws ConflictException (409) if the token holds no running trial
   * @throws ForbiddenException (403) if the trial's experiment runs other code
   * @throws NotFoundException (404) if the code is no longer stored
   */
  Path file(String sha256, UUID leaseToken) {
    String spec = leasedSpecs.spec(leaseToken);
    if (!("sha256:" + sha256).equals(codeOf(spec))) {
      throw new ForbiddenException(
          "Not this lease's code",
          "The leased trial's experiment does not run the code "
              + sha256
              + ": a lease fetches only its own experiment's code");
    }
    return store
        .open(sha256)
        .orElseThrow(() -> new NotFoundException("The code " + sha256 + " is not stored"));
  }

  /** Copies the code to {@code target}, for the embedded worker (same checks as {@link #file}). */
  void copy(String sha256, UUID leaseToken, Path target) throws IOException {
    Files.copy(file(sha256, leaseToken), target, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String codeOf(String spec) {
    try {
      return JSON.readTree(spec).path("code").asString(null);
    } catch (JacksonException e) {
      return null;
    }
  }
}
