package dev.digitlab.server.api;

import dev.digitlab.protocol.experiment.ClosestName;
import dev.digitlab.protocol.experiment.FieldError;
import java.util.List;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * Query parameters the endpoint does not read ({@code ?limit=5} where it takes {@code size}): a 400
 * naming them, with the names it does take and the closest one, instead of an answer that silently
 * ignored what the caller asked for.
 */
final class UnknownQueryParameterException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;
  private final transient List<String> accepted;

  UnknownQueryParameterException(List<String> unknown, SortedSet<String> accepted) {
    super(detail(unknown, accepted));
    this.accepted = List.copyOf(accepted);
    this.errors =
        unknown.stream()
            .map(
                name ->
                    new FieldError(
                        name, "unknown query parameter" + ClosestName.hint(name, accepted)))
            .toList();
  }

  List<FieldError> errors() {
    return errors;
  }

  List<String> accepted() {
    return accepted;
  }

  private static String detail(List<String> unknown, SortedSet<String> accepted) {
    String named =
        unknown.stream()
            .map(name -> "'" + name + "'" + suggestion(name, accepted))
            .collect(Collectors.joining(", "));
    return (unknown.size() == 1 ? "unknown query parameter " : "unknown query parameters ")
        + named
        + (accepted.isEmpty()
            ? "; this endpoint takes no query parameters"
            : "; this endpoint accepts: " + String.join(", ", accepted));
  }

  /** {@code " (did you mean 'status'?)"}, or nothing when no accepted name is close. */
  private static String suggestion(String name, SortedSet<String> accepted) {
    String hint = ClosestName.hint(name, accepted);
    return hint.isEmpty() ? "" : " (" + hint.substring("; ".length()) + ")";
  }
}
