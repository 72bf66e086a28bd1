package dev.digitlab.server.database;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Keeps the embedded H2 database's pooled connections for the life of the server: Hikari's {@code
 * maxLifetime} (30 min by default) is set to 0 (never retire) when the URL is H2's.
 *
 * <p>Why: in H2 2.4.240 a {@code CHECK (x IN (...))} constraint created in a session (by this
 * server's Flyway migration, on a pooled connection) keeps that session for its comparisons; once
 * Hikari retired the connection, every insert or update of the table failed with "Check constraint
 * invalid … The database has been closed" (H2 issue 4308). A fresh server answered every token
 * request with a 500 about 30 minutes after its first start ({@code api_token}'s role check, at the
 * {@code last_used_at} update), until restarted: a database opened again parses its constraints in
 * its own system session, unaffected. Connections to an embedded database need no rotation (no
 * network, no server to time them out); PostgreSQL's keep Hikari's settings.
 */
@Component
class H2ConnectionLifetime implements BeanPostProcessor {

  private static final Logger log = LoggerFactory.getLogger(H2ConnectionLifetime.class);

  @Override
  public Object postProcessBeforeInitialization(Object bean, String name) {
    if (bean instanceof HikariDataSource pool
        && pool.getJdbcUrl() != null
        && pool.getJdbcUrl().startsWith("jdbc:h2:")) {
      log.debug(
          "H2: pooled connections are kept for the server's life (was {} ms)",
          pool.getMaxLifetime());
      pool.setMaxLifetime(0);
    }
    return bean;
  }
}
