package dev.digitlab.server.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.digitlab.server.database.Dialect;
import dev.digitlab.testing.TestPostgres;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A fresh database migrated by the server's Flyway scripts, for one test: an in-memory H2 in
 * PostgreSQL mode, or a new schema in the shared test PostgreSQL ({@link TestPostgres}), dropped
 * again on close.
 */
public final class TestDatabase implements AutoCloseable {

  private final HikariDataSource dataSource;
  private final String dropOnClose;
  private final String schema;

  private TestDatabase(HikariDataSource dataSource, String dropOnClose, String schema) {
    this.dataSource = dataSource;
    this.dropOnClose = dropOnClose;
    this.schema = schema;
  }

  /** An empty H2 database of its own, as the embedded server uses (PostgreSQL mode). */
  public static TestDatabase h2() {
    return h2UpTo(null);
  }

  /**
   * An H2 database migrated only up to {@code version} (all of them if null), for a test of what a
   * later migration does to rows stored before it: {@link #migrate()} then runs the rest.
   */
  public static TestDatabase h2UpTo(String version) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(
        "jdbc:h2:mem:"
            + randomName("test_")
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
            + ";DB_CLOSE_DELAY=-1");
    config.setMaximumPoolSize(8);
    TestDatabase database = new TestDatabase(new HikariDataSource(config), "SHUTDOWN", null);
    database.migrate(version);
    return database;
  }

  /**
   * A schema of its own in the shared test PostgreSQL. Should there be none, the test is skipped,
   * or fails on CI ({@code CI=true}): see {@link TestPostgres#url()}.
   */
  public static TestDatabase postgres() {
    return postgresUpTo(null);
  }

  /** {@link #postgres()} migrated only up to {@code version}, as {@link #h2UpTo}. */
  public static TestDatabase postgresUpTo(String version) {
    String url = postgresUrl();
    String schema = randomName("test_");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.addDataSourceProperty("currentSchema", schema);
    config.setMaximumPoolSize(8);
    TestDatabase database =
        new TestDatabase(
            new HikariDataSource(config), "DROP SCHEMA " + schema + " CASCADE", schema);
    database.migrate(version);
    return database;
  }

  /** Runs the migrations not run yet: all of the server's. */
  public void migrate() {
    migrate(null);
  }

  private void migrate(String version) {
    FluentConfiguration flyway = Flyway.configure().dataSource(dataSource);
    if (schema != null) {
      flyway.schemas(schema);
    }
    if (version != null) {
      flyway.target(version);
    }
    flyway.load().migrate();
  }

  /** The shared test PostgreSQL's JDBC URL: see {@link TestPostgres#url()}. */
  public static String postgresUrl() {
    return TestPostgres.url();
  }

  /** A name for a schema or database that no other test run uses. */
  public static String randomName(String prefix) {
    byte[] bytes = new byte[6];
    ThreadLocalRandom.current().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Dialect dialect() {
    return Dialect.of(dataSource);
  }

  @Override
  public void close() {
    try {
      drop();
    } finally {
      dataSource.close();
    }
  }

  /**
   * Drops the database, retrying while PostgreSQL picks the drop as a deadlock victim: a background
   * thread of the component under test may still be writing when its test ends.
   */
  private void drop() {
    for (int attempt = 1; ; attempt++) {
      try {
        new JdbcTemplate(dataSource).execute(dropOnClose);
        return;
      } catch (PessimisticLockingFailureException e) {
        if (attempt == 5) {
          throw e;
        }
        try {
          Thread.sleep(200L * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
