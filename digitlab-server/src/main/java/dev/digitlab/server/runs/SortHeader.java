package dev.digitlab.server.runs;

/**
 * A column header of the runs table as a sort link, as MLflow's and W&B's run tables sort on a
 * click: the first click sorts ascending, a click on the column the table is sorted by reverses it.
 * {@code order} is the MLflow {@code order_by} clause the link sets; {@code ariaSort} says how the
 * table is sorted by this column now.
 */
record SortHeader(String label, String order, String ariaSort) {

  /**
   * The header of {@code identifier} ({@code metrics.rmse}) with the page sorted by {@code now}.
   */
  static SortHeader of(String label, String identifier, String now) {
    String current = now == null ? "" : now.strip();
    if (current.equalsIgnoreCase(identifier + " ASC")) {
      return new SortHeader(label, identifier + " DESC", "ascending");
    }
    if (current.equalsIgnoreCase(identifier + " DESC")) {
      return new SortHeader(label, identifier + " ASC", "descending");
    }
    return new SortHeader(label, identifier + " ASC", "none");
  }

  /**
   * {@code entity.key}, the key backquoted when the filter grammar's plain identifiers do not cover
   * it ({@code metrics.`val loss`}).
   */
  static String identifier(String entity, String key) {
    boolean plain =
        !key.isEmpty()
            && key.chars().allMatch(c -> Character.isLetterOrDigit(c) || "_.-/:".indexOf(c) >= 0);
    return entity + "." + (plain ? key : "`" + key + "`");
  }
}
