package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.worker.run.EventBatching;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** {@code digitlab.worker.*} as Spring binds it from the server's settings. */
class WorkerSettingsTest {

  private static WorkerSettings bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("digitlab.worker", WorkerSettings.class);
  }

  @Test
  void the_embedded_worker_stores_its_events_once_a_second_by_default() {
    EventBatching batching = bind(Map.of()).eventBatching();

    assertThat(batching.maxBatchDelay()).isEqualTo(Duration.ofSeconds(1));
    // Only the delay is the server's: the rest stays the worker's.
    assertThat(batching.maxBatchEvents()).isEqualTo(EventBatching.DEFAULTS.maxBatchEvents());
    assertThat(batching.minProgressInterval())
        .isEqualTo(EventBatching.DEFAULTS.minProgressInterval());
  }

  @Test
  void the_event_batch_delay_is_a_setting() {
    WorkerSettings settings = bind(Map.of("digitlab.worker.event-batch-delay", "250ms"));

    assertThat(settings.eventBatching().maxBatchDelay()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void the_event_batch_delay_binds_from_the_environment_variable_the_operations_guide_names() {
    var environment =
        new SystemEnvironmentPropertySource(
            "environment", Map.of("DIGITLAB_WORKER_EVENT_BATCH_DELAY", "3s"));
    WorkerSettings settings =
        new Binder(ConfigurationPropertySources.from(environment))
            .bindOrCreate("digitlab.worker", WorkerSettings.class);

    assertThat(settings.eventBatching().maxBatchDelay()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void a_negative_event_batch_delay_is_refused_with_the_setting_named() {
    assertThatThrownBy(() -> bind(Map.of("digitlab.worker.event-batch-delay", "-1s")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("digitlab.worker.event-batch-delay must not be negative");
  }
}
