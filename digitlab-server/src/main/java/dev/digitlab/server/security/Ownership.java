package dev.digitlab.server.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Who owns what a request makes, and who may change it (issue 8: "users manage their experiments").
 * Everyone who may read reads everything, as in MLflow or W&amp;B; a {@code user} changes (cancels,
 * deletes, retries) only what it owns, an {@code admin} anything.
 *
 * <p>The owner is the name of the caller's token, not its id: a user whose token leaked gets a new
 * one with the same name and keeps their experiments. So each person needs a token name of their
 * own; two tokens with one name share what they make.
 *
 * <p>With authentication off (the loopback default) nothing is checked, as before: anyone could
 * leave out a token anyway. A request without a token then owns what it makes as {@link #LOCAL}.
 */
@Component
public class Ownership {

  /** The owner of what is made without a token (authentication off), or before owners existed. */
  public static final String LOCAL = "local";

  /** The owner of what the server makes by itself, e.g. a retraining's experiment. */
  public static final String SYSTEM = "system";

  private static final Logger log = LoggerFactory.getLogger(Ownership.class);

  private final boolean enforced;

  Ownership(AuthSettings settings) {
    this.enforced = settings.enabled();
  }

  /** The owner of what this request makes: its token's name, or {@link #LOCAL} without one. */
  public String ownerOf(HttpServletRequest request) {
    return Caller.of(request).map(Caller::name).orElse(LOCAL);
  }

  /**
   * Who sent this request, as audit logs name them (the registry's, which is not owned): the same
   * name as {@link #ownerOf}.
   */
  public String actorOf(HttpServletRequest request) {
    return ownerOf(request);
  }

  /** Whether this request may change what {@code owner} owns. */
  public boolean mayChange(HttpServletRequest request, String owner) {
    if (!enforced) {
      return true;
    }
    Optional<Caller> caller = Caller.of(request);
    return caller.isPresent() && mayChange(caller.get(), owner);
  }

  /**
   * Whether this request may change anything at all (create, register, promote): a user or an
   * admin, or anyone with authentication off. Pages hide buttons that the API would refuse.
   */
  public boolean mayWrite(HttpServletRequest request) {
    if (!enforced) {
      return true;
    }
    return Caller.of(request)
        .map(caller -> caller.role() == Role.USER || caller.role() == Role.ADMIN)
        .orElse(false);
  }

  /**
   * Refuses, with a {@link NotOwnerException} (a 403 saying who owns it and who may), a request
   * that may not change {@code what} (e.g. "experiment 7"), which {@code owner} owns. Call it
   * before changing anything.
   */
  public void checkMayChange(HttpServletRequest request, String what, String owner) {
    if (mayChange(request, owner)) {
      return;
    }
    // Only a user or an admin gets past SecurityConfiguration to a change, and an admin may.
    Caller caller = Caller.of(request).orElseThrow();
    log.warn("403: {} may not change {}, which {} owns", caller, what, owner);
    throw new NotOwnerException(what, owner, caller);
  }

  static boolean mayChange(Caller caller, String owner) {
    return switch (caller.role()) {
      case ADMIN -> true;
      case USER -> caller.name().equals(owner);
      // A trial's program changes only its own run, which MLflow's run checks allow by id.
      case VIEWER, WORKER, TRIAL -> false;
    };
  }

  /** Token names that would make their holder the owner of what nobody in particular owns. */
  static boolean reserved(String tokenName) {
    return tokenName.equalsIgnoreCase(LOCAL) || tokenName.equalsIgnoreCase(SYSTEM);
  }
}
