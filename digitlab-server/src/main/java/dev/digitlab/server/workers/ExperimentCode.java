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
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
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

  private final JdbcClient jdbc;
  private final CodeStore store;

  ExperimentCode(JdbcClient jdbc, CodeStore store) {
    this.jdbc = jdbc;
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
    List<String> specs =
        jdbc.sql(
                """
                SELECT e.spec FROM trial t JOIN experiment e ON e.id = t.experiment_id
                 WHERE t.lease_token = :token AND t.status = 'running'
                """)
            .param("token", leaseToken)
            .query(String.class)
            .list();
    if (specs.isEmpty()) {
      throw new ConflictException(
          "No running trial holds this lease (it expired, or the trial was requeued, cancelled or"
              + " finished): drop this attempt");
    }
    if (!("sha256:" + sha256).equals(codeOf(specs.getFirst()))) {
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
