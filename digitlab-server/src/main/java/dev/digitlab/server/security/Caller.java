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
public record Caller(long tokenId, String name, Role role, boolean mayRunCommands)
    implements Serializable {

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
    return "token " + tokenId + " (" + name + ", " + role.dbValue() + ")";
  }
}
