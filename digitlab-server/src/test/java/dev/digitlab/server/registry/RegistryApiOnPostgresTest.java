package dev.digitlab.server.registry;

import dev.digitlab.server.testing.PostgresSchema;
import dev.digitlab.testing.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@ExtendWith(TestPostgres.Required.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RegistryApiOnPostgresTest extends RegistryApiContract {

  static final Path HOME = TestHomes.create("registry-pg");

  /** Dropped after the context is closed (see {@link PostgresSchema}). */
  @AutoClose static final PostgresSchema SCHEMA = PostgresSchema.named("registry_");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    SCHEMA.addTo(properties);
    properties.add("digitlab.home", HOME::toString);
    properties.add("digitlab.worker.data-home", MnistPngs.DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }
}
