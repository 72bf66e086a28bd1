package dev.digitlab.server.security;

import java.util.Locale;
import java.util.Optional;

/**
 * What a token may do: admins everything, users their own experiments and trials (see {@link
 * Ownership}), viewers read, workers work.
 */
public enum Role {
  ADMIN,
  USER,
  WORKER,
  VIEWER,
  /**
   * A command trial's program ({@link TrialTokens}): logs to its own trial's MLflow run and nothing
   * else. Never an API token's role.
   */
  TRIAL;

  /** As stored and as written on the command line: {@code admin}, {@code user}, … */
  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The Spring Security authority of this role. */
  String authority() {
    return "ROLE_" + name();
  }

  /**
   * The role written {@code value} ({@code admin}, {@code user}, {@code worker}, {@code viewer}).
   */
  public static Optional<Role> of(String value) {
    for (Role role : values()) {
      if (role != TRIAL && role.dbValue().equals(value)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
