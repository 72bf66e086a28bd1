package dev.digitlab.server.experiments;

import java.util.Objects;

/**
 * Which experiments to list and in what order. Filters that are null do not filter ({@code owner}
 * matches exactly); experiments without a value for the sort key (no successful trial yet) come
 * last in both directions.
 */
public record ExperimentQuery(
    ExperimentStatus status,
    String owner,
    String tag,
    String nameContains,
    ExperimentSort sort,
    boolean descending,
    int offset,
    int limit) {

  public static final int MAX_LIMIT = 500;

  public ExperimentQuery {
    Objects.requireNonNull(sort, "sort");
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative, not " + offset);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
    }
  }

  /** The newest experiments first, 50 to a page. */
  public static ExperimentQuery newestFirst() {
    return new ExperimentQuery(null, null, null, null, ExperimentSort.CREATED, true, 0, 50);
  }

  public ExperimentQuery withStatus(ExperimentStatus newStatus) {
    return new ExperimentQuery(
        newStatus, owner, tag, nameContains, sort, descending, offset, limit);
  }

  public ExperimentQuery withOwner(String newOwner) {
    return new ExperimentQuery(
        status, newOwner, tag, nameContains, sort, descending, offset, limit);
  }

  public ExperimentQuery withTag(String newTag) {
    return new ExperimentQuery(
        status, owner, newTag, nameContains, sort, descending, offset, limit);
  }

  public ExperimentQuery withNameContaining(String text) {
    return new ExperimentQuery(status, owner, tag, text, sort, descending, offset, limit);
  }

  public ExperimentQuery sortedBy(ExperimentSort newSort, boolean newDescending) {
    return new ExperimentQuery(
        status, owner, tag, nameContains, newSort, newDescending, offset, limit);
  }

  public ExperimentQuery page(int newOffset, int newLimit) {
    return new ExperimentQuery(
        status, owner, tag, nameContains, sort, descending, newOffset, newLimit);
  }
}
