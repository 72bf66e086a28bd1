package dev.digitlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.database.PostgresDialect;
import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** With spring.datasource.url naming PostgreSQL, the server migrates and uses it instead of H2. */
@ExtendWith(TestPostgres.Required.class)
@SpringBootTest
class DigitLabServerOnPostgresTest {

  private static final String SCHEMA = TestDatabase.randomName("server_");

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry properties) {
    String url = TestDatabase.postgresUrl();
    properties.add("spring.datasource.url", () -> url + "&currentSchema=" + SCHEMA);
    properties.add("spring.flyway.schemas", () -> SCHEMA);
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @AfterAll
  static void dropSchema() throws SQLException {
    try (Connection connection = DriverManager.getConnection(TestDatabase.postgresUrl());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
    }
  }

  @Autowired Dialect dialect;
  @Autowired JdbcClient jdbc;

  @Test
  void starts_on_postgresql_with_the_schema_migrated() {
    assertThat(dialect).isInstanceOf(PostgresDialect.class);
    assertThat(jdbc.sql("SELECT current_schema()").query(String.class).single()).isEqualTo(SCHEMA);
    assertThat(jdbc.sql("SELECT COUNT(*) FROM queue_claim_lock").query(Integer.class).single())
        .isEqualTo(1);
  }
}
