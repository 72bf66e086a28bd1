package dev.digitlab.server.experiments;

import static dev.digitlab.server.experiments.ExperimentStatus.CANCELLED;
import static dev.digitlab.server.experiments.ExperimentStatus.FAILED;
import static dev.digitlab.server.experiments.ExperimentStatus.QUEUED;
import static dev.digitlab.server.experiments.ExperimentStatus.RUNNING;
import static dev.digitlab.server.experiments.ExperimentStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExperimentStatusTest {

  @Test
  void nothing_started_is_queued() {
    assertThat(ExperimentStatus.rollUp(QUEUED, counts(6, 0, 0, 0, 0))).isEqualTo(QUEUED);
    assertThat(ExperimentStatus.rollUp(QUEUED, counts(0, 0, 0, 0, 0))).isEqualTo(QUEUED);
  }

  @Test
  void a_running_trial_or_a_partly_done_queue_is_running() {
    assertThat(ExperimentStatus.rollUp(QUEUED, counts(5, 1, 0, 0, 0))).isEqualTo(RUNNING);
    assertThat(ExperimentStatus.rollUp(RUNNING, counts(3, 0, 2, 1, 0))).isEqualTo(RUNNING);
  }

  @Test
  void all_stopped_with_one_success_is_succeeded() {
    assertThat(ExperimentStatus.rollUp(RUNNING, counts(0, 0, 1, 4, 1))).isEqualTo(SUCCEEDED);
  }

  @Test
  void all_stopped_without_success_is_failed_or_cancelled() {
    assertThat(ExperimentStatus.rollUp(RUNNING, counts(0, 0, 0, 2, 1))).isEqualTo(FAILED);
    assertThat(ExperimentStatus.rollUp(RUNNING, counts(0, 0, 0, 0, 3))).isEqualTo(CANCELLED);
  }

  @Test
  void a_cancelled_experiment_stays_cancelled() {
    assertThat(ExperimentStatus.rollUp(CANCELLED, counts(0, 1, 2, 0, 0))).isEqualTo(CANCELLED);
    assertThat(ExperimentStatus.rollUp(CANCELLED, counts(0, 0, 3, 0, 0))).isEqualTo(CANCELLED);
  }

  private static TrialCounts counts(
      int queued, int running, int succeeded, int failed, int cancelled) {
    return new TrialCounts(queued, running, succeeded, failed, cancelled);
  }
}
