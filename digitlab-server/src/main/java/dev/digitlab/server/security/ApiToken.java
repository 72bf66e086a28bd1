package dev.digitlab.server.security;

import java.time.Instant;

/**
 * A stored API token, without its secret (only its hash is stored).
 *
 * @param revokedAt when it was revoked; null while it is valid
 * @param canRunCommands granted the permission to run programs (pipeline {@code command} steps);
 *     admins have it whatever this says, see {@link #mayRunCommands()}
 */
public record ApiToken(
    long id,
    String name,
    Role role,
    Instant createdAt,
    Instant lastUsedAt,
    Instant revokedAt,
    boolean canRunCommands) {

  /** Whether requests carrying it may run programs: an admin, or a token granted it. */
  public boolean mayRunCommands() {
    return role == Role.ADMIN || canRunCommands;
  }

  /** Whether requests carrying it are let in. */
  public boolean active() {
    return revokedAt == null;
  }
}
