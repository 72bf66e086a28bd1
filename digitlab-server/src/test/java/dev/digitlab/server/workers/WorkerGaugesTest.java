package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.worker.WorkerInfo;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerGaugesTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final WorkerGauges gauges = new WorkerGauges(registry);

  @Test
  void rows_follow_the_latest_list() {
    gauges.show(List.of(worker("a", 2, 100, "idle"), worker("b", 4, 0, "idle")));
    assertThat(value("digitlab.worker.slots", "a")).isEqualTo(2.0);
    assertThat(value("digitlab.worker.slots", "b")).isEqualTo(4.0);
    assertThat(value("digitlab.worker.images.per.second", "a")).isEqualTo(100.0);
    assertThat(value("digitlab.worker.up", "b")).isEqualTo(1.0);

    gauges.show(List.of(worker("a", 3, 250, WorkerRegistry.LOST)));

    assertThat(value("digitlab.worker.slots", "a")).isEqualTo(3.0);
    assertThat(value("digitlab.worker.images.per.second", "a")).isEqualTo(250.0);
    assertThat(value("digitlab.worker.up", "a")).isEqualTo(0.0);
    assertThat(registry.find("digitlab.worker.slots").tag("worker", "b").gauge()).isNull();
    assertThat(registry.find("digitlab.worker.up").tag("worker", "b").gauge()).isNull();
  }

  /**
   * A scrape while the gauges are refreshed still finds every listed worker's rows: the CI run of
   * ff70b9a saw {@code digitlab_worker_slots} missing for a registered worker because each refresh
   * removed and re-added every row.
   */
  @Test
  void a_scrape_during_refreshes_finds_every_row() throws Exception {
    gauges.show(List.of(worker("a", 2, 0, "idle")));
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger misses = new AtomicInteger();
    AtomicInteger scrapes = new AtomicInteger();
    Thread scraper =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    for (String name :
                        List.of(
                            "digitlab.worker.images.per.second",
                            "digitlab.worker.running.trials",
                            "digitlab.worker.slots",
                            "digitlab.worker.up")) {
                      if (registry.find(name).tag("worker", "a").gauge() == null) {
                        misses.incrementAndGet();
                      }
                    }
                    scrapes.incrementAndGet();
                  }
                });
    for (int i = 0; i < 20_000; i++) {
      gauges.show(List.of(worker("a", 2, i, "idle")));
    }
    done.set(true);
    scraper.join();

    assertThat(scrapes.get()).isPositive();
    assertThat(misses.get()).as("scrapes that missed a row, of %d", scrapes.get()).isZero();
    assertThat(value("digitlab.worker.images.per.second", "a")).isEqualTo(19_999.0);
  }

  private double value(String name, String worker) {
    Gauge gauge = registry.find(name).tag("worker", worker).gauge();
    assertThat(gauge).as("%s{worker=%s}", name, worker).isNotNull();
    return gauge.value();
  }

  private static WorkerInfo worker(String name, int slots, double imagesPerSecond, String state) {
    return new WorkerInfo(
        name,
        "host",
        slots,
        List.of("cpu"),
        List.of(),
        "2026-12-07T00:00:00Z",
        imagesPerSecond,
        state);
  }
}
