package dev.digitlab.server.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessResourceFailureException;

/** The few statements that PostgreSQL and H2 spell differently; everything else is shared SQL. */
public sealed interface Dialect permits PostgresDialect, H2Dialect {

  /**
   * A query that runs {@code update} (one UPDATE statement) and returns {@code columns} of the rows
   * it changed, as they are after the change. The statements themselves belong to their feature
   * (the queue's claim is one); only this spelling differs.
   */
  String updateReturning(String update, String columns);

  /** The dialect of the database behind this data source, from its product name. */
  static Dialect of(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection()) {
      String product = connection.getMetaData().getDatabaseProductName();
      return switch (product.toLowerCase(Locale.ROOT)) {
        case "postgresql" -> new PostgresDialect();
        case "h2" -> new H2Dialect();
        default ->
            throw new IllegalStateException(
                "Digit Lab supports PostgreSQL and H2, not "
                    + product
                    + ": set spring.datasource.url");
      };
    } catch (SQLException e) {
      throw new DataAccessResourceFailureException("Cannot open the database to find its kind", e);
    }
  }
}
