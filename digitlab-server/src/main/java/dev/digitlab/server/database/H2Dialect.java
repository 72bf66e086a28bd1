package dev.digitlab.server.database;

/**
 * H2 (embedded, one process): a data-change delta table stands in for RETURNING. H2 2.4 accepts
 * {@code FOR UPDATE OF t SKIP LOCKED} in a sub-query as PostgreSQL does.
 */
public record H2Dialect() implements Dialect {

  @Override
  public String updateReturning(String update, String columns) {
    return "SELECT " + columns + " FROM FINAL TABLE (" + update + ")";
  }
}
