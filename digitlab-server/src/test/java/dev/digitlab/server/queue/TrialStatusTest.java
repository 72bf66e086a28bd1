package dev.digitlab.server.queue;

import static dev.digitlab.server.queue.TrialStatus.CANCELLED;
import static dev.digitlab.server.queue.TrialStatus.FAILED;
import static dev.digitlab.server.queue.TrialStatus.PRUNED;
import static dev.digitlab.server.queue.TrialStatus.QUEUED;
import static dev.digitlab.server.queue.TrialStatus.RUNNING;
import static dev.digitlab.server.queue.TrialStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrialStatusTest {

  /** The whole table, written out once more: a change to it must change this test too. */
  private static final Map<TrialStatus, Set<TrialStatus>> ALLOWED =
      Map.of(
          QUEUED, EnumSet.of(RUNNING, CANCELLED),
          RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, PRUNED, QUEUED),
          SUCCEEDED, EnumSet.noneOf(TrialStatus.class),
          FAILED, EnumSet.of(QUEUED),
          CANCELLED, EnumSet.of(QUEUED),
          PRUNED, EnumSet.of(QUEUED));

  @Test
  void allows_exactly_the_transitions_in_the_table() {
    for (TrialStatus from : TrialStatus.values()) {
      for (TrialStatus to : TrialStatus.values()) {
        assertThat(from.canMoveTo(to))
            .as("%s -> %s", from, to)
            .isEqualTo(ALLOWED.get(from).contains(to));
      }
    }
  }

  @Test
  void only_succeeded_failed_cancelled_and_pruned_are_terminal() {
    assertThat(EnumSet.allOf(TrialStatus.class).stream().filter(TrialStatus::isTerminal))
        .containsExactlyInAnyOrder(SUCCEEDED, FAILED, CANCELLED, PRUNED);
  }

  @Test
  void an_illegal_transition_says_what_is_allowed() {
    assertThatThrownBy(() -> QUEUED.checkMoveTo(SUCCEEDED))
        .isInstanceOf(IllegalTrialTransitionException.class)
        .hasMessage(
            "A queued trial cannot become succeeded; it can only become running or cancelled");
    assertThatThrownBy(() -> SUCCEEDED.checkMoveTo(QUEUED))
        .hasMessage("A succeeded trial cannot become queued (succeeded is final)");
  }

  @Test
  void a_stored_status_reads_back_as_itself() {
    for (TrialStatus status : TrialStatus.values()) {
      assertThat(TrialStatus.fromDb(status.dbValue())).isEqualTo(status);
    }
    assertThat(RUNNING.dbValue()).isEqualTo("running");
  }
}
