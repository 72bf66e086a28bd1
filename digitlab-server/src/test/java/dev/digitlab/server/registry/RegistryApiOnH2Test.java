package dev.digitlab.server.registry;

import java.nio.file.Path;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RegistryApiOnH2Test extends RegistryApiContract {

  static final Path HOME = TestHomes.create("registry-h2");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", HOME::toString);
    properties.add("digitlab.worker.data-home", MnistPngs.DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }
}
