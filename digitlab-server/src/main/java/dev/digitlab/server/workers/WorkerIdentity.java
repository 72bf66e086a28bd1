package dev.digitlab.server.workers;

import dev.digitlab.server.security.Caller;
import dev.digitlab.server.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

/**
 * Ties a worker's name to the token that registered it (issue 15: worker w2's token registered as
 * w1 and heartbeated w1's lease). A {@code worker} token's first registration of a name takes it;
 * afterwards only that token may register, lease, heartbeat, report or complete as that name. Admin
 * tokens may act as any worker; with authentication off nothing is checked.
 *
 * <p>A name held by a revoked token is free again: an admin replacing a worker's token (revoke,
 * then create one, usually with the same name) must not lock the worker out of its own name. The
 * revoked token itself can no longer authenticate, so it cannot take the name back.
 */
@Component
class WorkerIdentity {

  private static final Logger log = LoggerFactory.getLogger(WorkerIdentity.class);

  private final JdbcClient jdbc;

  WorkerIdentity(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Refuses a registration of a name another token holds. Call before registering. */
  void checkMayRegister(HttpServletRequest request, String name) {
    Optional<Caller> caller = workerCaller(request);
    if (caller.isEmpty()) {
      return;
    }
    Long holder = holder(name);
    if (holder != null && holder != caller.get().tokenId()) {
      throw refused(caller.get(), name);
    }
  }

  /**
   * Records that the caller's token holds the name it just registered, if no valid token holds it.
   */
  void bind(HttpServletRequest request, String name) {
    workerCaller(request)
        .ifPresent(
            caller ->
                jdbc.sql(
                        "UPDATE worker SET token_id = :token WHERE name = :name"
                            + " AND (token_id IS NULL OR token_id IN"
                            + " (SELECT id FROM api_token WHERE revoked_at IS NOT NULL))")
                    .param("token", caller.tokenId())
                    .param("name", name)
                    .update());
  }

  /** Refuses a request that acts as worker {@code name} with another worker's token. */
  void checkActsAs(HttpServletRequest request, String name) {
    Optional<Caller> caller = workerCaller(request);
    if (caller.isEmpty() || name == null) {
      return;
    }
    // A worker registered before names were tied to tokens is taken by its next user.
    bind(request, name);
    Long holder = holder(name);
    if (holder != null && holder != caller.get().tokenId()) {
      throw refused(caller.get(), name);
    }
  }

  /** Refuses a request about a trial's lease that another worker holds. */
  void checkHoldsLease(HttpServletRequest request, long trialId) {
    if (workerCaller(request).isEmpty()) {
      return;
    }
    String owner =
        jdbc.sql("SELECT COALESCE(lease_owner, '') FROM trial WHERE id = :id")
            .param("id", trialId)
            .query(String.class)
            .optional()
            .orElse("");
    if (!owner.isEmpty()) {
      checkActsAs(request, owner);
    }
  }

  /**
   * The valid token holding the name, or null: none registered it (authentication was off, or
   * before this column), or the one that did is revoked.
   */
  private Long holder(String name) {
    return jdbc.sql(
            "SELECT w.token_id FROM worker w JOIN api_token t ON t.id = w.token_id"
                + " WHERE w.name = :name AND t.revoked_at IS NULL")
        .param("name", name)
        .query(Long.class)
        .optional()
        .orElse(null);
  }

  private static Optional<Caller> workerCaller(HttpServletRequest request) {
    return Caller.of(request).filter(caller -> caller.role() == Role.WORKER);
  }

  private static ErrorResponseException refused(Caller caller, String name) {
    log.warn("403: {} acted as worker '{}', which another token registered", caller, name);
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.FORBIDDEN,
            "Worker '"
                + name
                + "' was registered with another token: token '"
                + caller.name()
                + "' may act only as the worker names it registered. Give each worker its own"
                + " name (digitlab worker --name) or use that worker's token.");
    problem.setTitle("Another worker's name");
    return new ErrorResponseException(HttpStatus.FORBIDDEN, problem, null);
  }
}
