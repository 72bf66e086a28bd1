package dev.digitlab.server.database;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Closes the embedded H2 database once migrations ran in this process, so that it reopens from its
 * file. H2 2.4.240 binds a check constraint with an {@code IN (…)} list to the session that created
 * it (h2database issues 4291, 4308): when that connection closes, and Hikari retires every
 * connection after 30 minutes, each insert into such a table fails with "Check constraint invalid …
 * The database has been closed" until the server restarts. A fresh server so stopped taking metric
 * points (trial_event_block's type), MLflow runs' included, and new experiments (their
 * objective_goal) half an hour after its first start. A database opened from its file loads its
 * constraints with its own system session, which lives as long as the database does. PostgreSQL,
 * and a start that migrated nothing, are left alone.
 */
@Configuration(proxyBeanMethods = false)
class H2ReopenAfterMigrations {

  private static final Logger log = LoggerFactory.getLogger(H2ReopenAfterMigrations.class);

  @Bean
  FlywayMigrationStrategy reopenH2AfterMigrations() {
    return flyway -> {
      MigrateResult result = flyway.migrate();
      if (result.migrationsExecuted > 0) {
        reopen(flyway.getConfiguration().getDataSource());
      }
    };
  }

  private static void reopen(DataSource dataSource) {
    try {
      HikariDataSource pool =
          dataSource.isWrapperFor(HikariDataSource.class)
              ? dataSource.unwrap(HikariDataSource.class)
              : null;
      Connection connection = dataSource.getConnection();
      String url = connection.getMetaData().getURL();
      // an in-memory database would be gone, not reopened
      if (!url.startsWith("jdbc:h2:") || url.startsWith("jdbc:h2:mem:")) {
        connection.close();
        return;
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("SHUTDOWN");
      }
      if (pool != null) {
        // The pool's connections died with the database: dropped, so that the next ones reopen
        // it (returning this one would reset it, which fails on a closed database).
        pool.evictConnection(connection);
        pool.getHikariPoolMXBean().softEvictConnections();
      }
      log.debug("Reopened the H2 database after its migrations");
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot reopen the H2 database after its migrations", e);
    }
  }
}
