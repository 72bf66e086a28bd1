package dev.digitlab.server.registry;

import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@ExtendWith(TestPostgres.Required.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RegistryApiOnPostgresTest extends RegistryApiContract {

  static final Path HOME = TestHomes.create("registry-pg");
  static final String SCHEMA = TestDatabase.randomName("registry_");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    String url = TestDatabase.postgresUrl();
    properties.add("spring.datasource.url", () -> url + "&currentSchema=" + SCHEMA);
    properties.add("spring.flyway.schemas", () -> SCHEMA);
    properties.add("digitlab.home", HOME::toString);
    properties.add("digitlab.worker.data-home", MnistPngs.DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  @AfterAll
  void dropSchema() throws SQLException {
    try (Connection connection = DriverManager.getConnection(TestDatabase.postgresUrl());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
    }
  }
}
