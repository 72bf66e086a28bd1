package dev.digitlab.server.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.registry.AuditEntry;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.testing.ExperimentBuilder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A retraining that was running when its server stopped is cleaned up at the next start. */
@SpringBootTest
class InterruptedRetrainingTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Autowired RetrainingStore policies;
  @Autowired RetrainingRecovery recovery;
  @Autowired ExperimentStore experiments;
  @Autowired ModelRegistry registry;
  @Autowired JdbcClient jdbc;

  @Test
  void a_retraining_interrupted_before_its_trial_was_queued_is_released_and_audited() {
    jdbc.sql(
            "INSERT INTO registered_model (name, created_at) VALUES ('crashed', CURRENT_TIMESTAMP)")
        .update();
    policies.save(new RetrainingPolicy("crashed", true, 10, "mnist", 0.01, null, null));
    assertThat(policies.claimRun("crashed")).isTrue();

    recovery.recoverInterrupted();

    assertThat(policies.find("crashed").orElseThrow().runningExperiment()).isNull();
    assertThat(registry.auditLog("crashed", 10))
        .extracting(AuditEntry::action, AuditEntry::detail)
        .first()
        .satisfies(
            entry ->
                assertThat(entry.toList())
                    .containsExactly(
                        "retrain-failed", "interrupted by a server restart (experiment -1)"));
    assertThat(policies.claimRun("crashed")).isTrue();
  }

  /**
   * A retraining is a queued trial: after a restart the lease sweeper requeues it and a worker
   * resumes it, so its slot stays taken and its experiment goes on.
   */
  @Test
  void a_retraining_whose_trial_is_queued_goes_on_after_a_restart() {
    jdbc.sql(
            "INSERT INTO registered_model (name, created_at) VALUES ('resumed', CURRENT_TIMESTAMP)")
        .update();
    policies.save(new RetrainingPolicy("resumed", true, 10, "mnist", 0.01, null, null));
    long experiment =
        experiments.create(ExperimentBuilder.anExperiment().named("retrain-resumed").build()).id();
    assertThat(policies.claimRun("resumed")).isTrue();
    policies.setRun("resumed", experiment);

    recovery.recoverInterrupted();

    assertThat(policies.find("resumed").orElseThrow().runningExperiment()).isEqualTo(experiment);
    assertThat(experiments.find(experiment).orElseThrow().status())
        .isEqualTo(ExperimentStatus.QUEUED);
    assertThat(registry.auditLog("resumed", 10)).isEmpty();
  }
}
