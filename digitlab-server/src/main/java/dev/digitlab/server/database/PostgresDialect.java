package dev.digitlab.server.database;

/** PostgreSQL: UPDATE ... RETURNING. */
public record PostgresDialect() implements Dialect {

  @Override
  public String updateReturning(String update, String columns) {
    return update + " RETURNING " + columns;
  }
}
