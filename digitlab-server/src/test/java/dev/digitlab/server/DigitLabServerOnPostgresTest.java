package dev.digitlab.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.database.PostgresDialect;
import dev.digitlab.server.testing.PostgresSchema;
import dev.digitlab.testing.TestPostgres;
import org.junit.jupiter.api.AutoClose;
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

  /** Dropped after the context is closed (see {@link PostgresSchema}). */
  @AutoClose private static final PostgresSchema SCHEMA = PostgresSchema.named("server_");

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry properties) {
    SCHEMA.addTo(properties);
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Autowired Dialect dialect;
  @Autowired JdbcClient jdbc;

  @Test
  void starts_on_postgresql_with_the_schema_migrated() {
    assertThat(dialect).isInstanceOf(PostgresDialect.class);
    assertThat(jdbc.sql("SELECT current_schema()").query(String.class).single())
        .isEqualTo(SCHEMA.name());
    assertThat(jdbc.sql("SELECT COUNT(*) FROM queue_claim_lock").query(Integer.class).single())
        .isEqualTo(1);
  }
}
