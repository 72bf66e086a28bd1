package dev.digitlab.server.security;

import jakarta.servlet.http.HttpServletRequest;
import java.io.Serializable;
import java.util.Optional;

/**
 * Who sent a request: the token it carried (or that the browser session logged in with). Request
 * handlers read it with {@link #of(HttpServletRequest)}, e.g. the worker protocol to check that a
 * worker reports only for its own leases. Absent when authentication is off.
 *
 * @param tokenId the token's id ({@code digitlab token ls})
 * @param name the token's name, e.g. the worker's host
 * @param role what the token may do
 * @param mayRunCommands whether it may run programs (pipeline {@code command} steps): an admin, or
 *     a token granted {@code --can-run-commands}
 */
public record Caller(long tokenId, String name, Role role, boolean mayRunCommands, Long trialId)
    implements Serializable {

  /** A caller with an API token. */
  public Caller(long tokenId, String name, Role role, boolean mayRunCommands) {
    this(tokenId, name, role, mayRunCommands, null);
  }

  /**
   * The program of a command trial, with its trial-scoped token ({@link TrialTokens}): it acts for
   * the experiment's owner, but may only log to trial {@code trialId}'s run.
   */
  static Caller forTrial(long trialId, String owner) {
    return new Caller(0, owner, Role.TRIAL, false, trialId);
  }

  /** Whether this caller may only report for one trial, and it is not {@code trialId}. */
  public boolean scopedElsewhere(long trialId) {
    return trialId() != null && trialId() != trialId;
  }

  /** The request attribute that holds the caller of an authenticated request. */
  public static final String ATTRIBUTE = Caller.class.getName();

  /** The caller of this request; empty when authentication is off. */
  public static Optional<Caller> of(HttpServletRequest request) {
    return request.getAttribute(ATTRIBUTE) instanceof Caller caller
        ? Optional.of(caller)
        : Optional.empty();
  }

  /** Says who, never the token. */
  @Override
  public String toString() {
    if (trialId != null) {
      return "the token of trial " + trialId + " (" + name + "'s)";
    }
    return "token " + tokenId + " (" + name + ", " + role.dbValue() + ")";
  }
}
