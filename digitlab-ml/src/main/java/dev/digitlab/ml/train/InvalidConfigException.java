package dev.digitlab.ml.train;

import java.util.List;
import java.util.stream.Collectors;

/** A training config that breaks one or more rules; the message lists every violation. */
public final class InvalidConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient List<ConfigViolation> violations;

  public InvalidConfigException(List<ConfigViolation> violations) {
    super(
        "invalid training config: "
            + violations.stream().map(ConfigViolation::toString).collect(Collectors.joining("; ")));
    this.violations = List.copyOf(violations);
  }

  public InvalidConfigException(ConfigViolation violation) {
    this(List.of(violation));
  }

  /** Every rule the config breaks, in field order. */
  public List<ConfigViolation> violations() {
    return violations;
  }
}
