package dev.digitlab.server.registry;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.trials.TrialStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The registry and serving tests' fixture: a real server on a random port whose one embedded worker
 * slot trains on real MNIST (a test class is skipped when MNIST is not fetched), the {@link
 * ModelApi} that trains and registers through it, and the real test digits. A subclass names its
 * own home ({@code digitlab.home}) in a {@code @DynamicPropertySource} of its own.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TrainingServerTest {

  @DynamicPropertySource
  static void oneWorkerSlotOnMnist(DynamicPropertyRegistry properties) {
    properties.add("digitlab.worker.data-home", MnistPngs.DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;

  ModelApi api;
  ImageSet test;

  @BeforeAll
  void connect() {
    MnistDataHome.assumeFetched();
    api = new ModelApi(port, experiments, trials);
    test = MnistPngs.test();
  }
}
