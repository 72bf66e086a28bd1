package dev.digitlab.server.workers;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.testing.StoreContractTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the worker registry promises, on every database it runs on. */
public abstract class WorkerRegistryContractTest extends StoreContractTest {

  private static final Duration SILENCE = Duration.ofSeconds(50);

  @Test
  void a_registered_worker_is_idle_with_what_it_offers() {
    workers.register(new WorkerRegistration("w1", "host-a", 2, List.of("gpu", "cpu")));

    assertThat(workers.list(SILENCE))
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.name()).isEqualTo("w1");
              assertThat(w.host()).isEqualTo("host-a");
              assertThat(w.slots()).isEqualTo(2);
              assertThat(w.capabilities()).containsExactly("cpu", "gpu");
              assertThat(w.state()).isEqualTo(WorkerRegistry.IDLE);
              assertThat(w.lastHeartbeat()).isEqualTo(clock.instant().toString());
            });
    assertThat(workers.seen("w1")).containsExactly("cpu", "gpu");
  }

  @Test
  void registering_again_under_the_same_name_updates_the_worker() {
    workers.register(new WorkerRegistration("w1", "host-a", 1, List.of("cpu")));
    workers.register(new WorkerRegistration("w1", "host-b", 4, List.of("cpu", "gpu")));

    assertThat(workers.list(SILENCE))
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.host()).isEqualTo("host-b");
              assertThat(w.slots()).isEqualTo(4);
            });
  }

  @Test
  void a_worker_holding_a_lease_is_busy_with_its_trials_and_speed() {
    workers.register(new WorkerRegistration("worker-1", "h", 1, List.of("cpu")));
    create(anExperiment());
    Lease lease = claim();

    workers.heartbeat("worker-1", 5000);

    WorkerInfo busy = workers.list(SILENCE).getFirst();
    assertThat(busy.state()).isEqualTo(WorkerRegistry.BUSY);
    assertThat(busy.currentTrials()).containsExactly(lease.trialId());
    assertThat(busy.imagesPerSecond()).isEqualTo(5000);
  }

  @Test
  void a_silent_worker_is_lost_and_a_heard_one_is_not() {
    workers.register(new WorkerRegistration("quiet", "h", 1, List.of("cpu")));
    workers.register(new WorkerRegistration("chatty", "h", 1, List.of("cpu")));

    clock.advance(SILENCE.minusSeconds(1));
    workers.seen("chatty");
    clock.advance(Duration.ofSeconds(2));

    assertThat(workers.list(SILENCE))
        .extracting(WorkerInfo::name, WorkerInfo::state)
        .containsExactly(tuple("chatty", WorkerRegistry.IDLE), tuple("quiet", WorkerRegistry.LOST));
  }

  @Test
  void an_unregistered_worker_is_not_found() {
    assertThatThrownBy(() -> workers.seen("stranger"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("register first");
    assertThat(workers.list(SILENCE)).isEmpty();
  }
}
