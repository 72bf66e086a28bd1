package dev.digitlab.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadRulesTest {

  @ParameterizedTest
  @ValueSource(strings = {"train_loss", "a", "test_f1_macro", "val/loss", "lr-0.1", "x9"})
  void metric_keys_in_the_documented_syntax_are_accepted(String key) {
    assertThat(new MetricPoint(key, 1, 1, 1).key()).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Train_loss", "1loss", "_loss", "loss rate", "loss:1", "ü"})
  void metric_keys_outside_the_syntax_are_refused(String key) {
    assertThatThrownBy(() -> new MetricPoint(key, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metric key");
  }

  @Test
  void the_key_check_agrees_with_the_documented_pattern_for_every_char_in_every_position() {
    for (char c = 0; c < 0x250; c++) {
      for (String key : new String[] {"" + c, "a" + c, "a" + c + "b", c + "a"}) {
        assertThat(MetricPoint.isKey(key))
            .as("key %s", key)
            .isEqualTo(MetricPoint.KEY.matcher(key).matches());
      }
    }
  }

  @Test
  void a_metric_key_may_have_at_most_one_hundred_characters() {
    assertThat(new MetricPoint("k".repeat(100), 0, 0, 0).key()).hasSize(100);
    assertThatThrownBy(() -> new MetricPoint("k".repeat(101), 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknown_statuses_and_log_levels_are_refused() {
    assertThatThrownBy(() -> new StatusChange("done", ""))
        .hasMessageContaining("status must be one of");
    assertThatThrownBy(() -> new LogLine("info", "lower-case level"))
        .hasMessageContaining("log level must be one of");
  }

  @Test
  void a_status_without_reason_has_an_empty_one() {
    assertThat(new StatusChange("succeeded", null).reason()).isEmpty();
  }

  @Test
  void an_artifact_needs_a_real_sha256() {
    assertThatThrownBy(() -> new ArtifactRef("model", "model", 10, "ABC"))
        .hasMessageContaining("sha256 must be 64 lower-case hex digits");
  }

  @Test
  void progress_past_the_end_is_refused() {
    assertThatThrownBy(() -> new Progress(1, 1, 11, 10, 1, 0, null))
        .hasMessageContaining("step 11 of 10");
    assertThatThrownBy(() -> new Progress(3, 2, 1, 10, 0.1, 0, null))
        .hasMessageContaining("epoch 3 of 2");
  }

  @Test
  void an_event_type_must_match_its_payload() {
    assertThatThrownBy(
            () -> new TrialEvent(1, Instant.EPOCH, EventType.LOG, new MetricPoint("x", 0, 0, 0)))
        .hasMessageContaining("a log event cannot carry a metric payload");
  }
}
