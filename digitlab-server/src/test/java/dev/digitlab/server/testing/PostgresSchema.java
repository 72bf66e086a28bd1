package dev.digitlab.server.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A schema of its own in the shared test PostgreSQL for a server test class's context, dropped on
 * {@link #close()}. Hold it in a {@code static @AutoClose} field: JUnit closes that after the
 * class's extensions' afterAll, so after {@link OwnContextCloser} has closed the context, and no
 * background task of the server sees its tables vanish (an {@code @AfterAll} method runs before
 * that).
 */
public final class PostgresSchema implements AutoCloseable {

  private final String name;

  private PostgresSchema(String name) {
    this.name = name;
  }

  /** A schema named {@code prefix} and random characters; nothing is created yet. */
  public static PostgresSchema named(String prefix) {
    return new PostgresSchema(TestDatabase.randomName(prefix));
  }

  public String name() {
    return name;
  }

  /**
   * Points the server at this schema: {@code spring.datasource.url} and {@code
   * spring.flyway.schemas}, which creates and migrates it at start.
   */
  public void addTo(DynamicPropertyRegistry properties) {
    properties.add(
        "spring.datasource.url", () -> TestDatabase.postgresUrl() + "&currentSchema=" + name);
    properties.add("spring.flyway.schemas", () -> name);
  }

  @Override
  public void close() throws SQLException {
    try (Connection connection = DriverManager.getConnection(TestDatabase.postgresUrl());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }
  }
}
