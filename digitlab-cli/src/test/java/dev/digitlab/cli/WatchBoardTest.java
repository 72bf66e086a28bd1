package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code watch}'s board fed recorded events, on a clock of the test's own: what it prints for a
 * program's trials (no progress events, metrics of their own names) and for our trainer's.
 */
class WatchBoardTest {

  private final StringWriter text = new StringWriter();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private long eventId;

  @Test
  void a_programs_metrics_make_a_line_when_they_change_at_most_once_a_second_objective_first() {
    WatchCommand.Board board = board("mae", true);

    board.show(status(7, "running"));
    board.show(metric(7, "rmse", 53.21, 0));
    board.show(metric(7, "mae", 43.02, 0));
    board.show(metric(7, "r2", 0.41, 0));
    board.tick();
    later(Duration.ofMillis(500));
    board.show(metric(7, "rmse", 50.5, 1));
    board.show(metric(7, "mae", 40.25, 1));
    board.tick(); // half a second after the last line: not yet
    later(Duration.ofMillis(300));
    board.show(metric(7, "r2", 0.45, 1));
    board.tick(); // nor now
    later(Duration.ofMillis(200));
    board.tick(); // a second after it: the latest values
    later(Duration.ofSeconds(3));
    board.tick(); // nothing changed
    board.show(metric(7, "mae", 40.25, 1)); // the same value again: no change either
    later(Duration.ofSeconds(3));
    board.tick();
    board.show(status(7, "succeeded"));

    assertThat(text.toString().lines())
        .containsExactly(
            "trial 7  running",
            "trial 7  step 0  mae 43.0200  rmse 53.2100  r2 0.4100",
            "trial 7  step 1  mae 40.2500  rmse 50.5000  r2 0.4500",
            "trial 7  succeeded  mae 40.2500  rmse 50.5000  r2 0.4500");
    assertThat(board.results(7)).isEqualTo("  mae 40.2500  rmse 50.5000  r2 0.4500");
  }

  @Test
  void each_trial_has_its_own_second_and_a_line_shows_at_most_six_keys() {
    WatchCommand.Board board = board("score", true);
    for (String key : new String[] {"a", "b", "c", "d", "e", "f", "g"}) {
      board.show(metric(3, key, 1, 2));
    }
    board.show(metric(3, "score", 0.5, 2));
    board.tick();
    board.show(metric(4, "score", 0.25, 0));
    board.show(metric(3, "score", 0.75, 3));
    board.tick(); // trial 4's first line; trial 3 printed less than a second ago

    assertThat(text.toString().lines())
        .containsExactly(
            "trial 3  step 2  score 0.5000  a 1.0000  b 1.0000  c 1.0000  d 1.0000  e 1.0000",
            "trial 4  step 0  score 0.2500");
  }

  /** "metric val_loss=0.61 step=1" then "metric val_accuracy=0.82", which counts its own steps. */
  @Test
  void a_line_shows_the_furthest_step_its_keys_reached() {
    WatchCommand.Board board = board("val_loss", true);
    board.show(metric(2, "val_loss", 0.61, 1));
    board.show(metric(2, "val_accuracy", 0.82, 0));
    board.tick();

    assertThat(text.toString().lines())
        .containsExactly("trial 2  step 1  val_loss 0.6100  val_accuracy 0.8200");
  }

  @Test
  void a_failed_trial_shows_its_last_figures_before_its_reason() {
    WatchCommand.Board board = board("rmse", true);
    board.show(metric(5, "rmse", 1, 0));
    board.tick();
    board.show(metric(5, "rmse", 0.5, 1));
    board.show(failed(5, "Traceback\u001b[2J"));

    assertThat(text.toString().lines())
        .containsExactly(
            "trial 5  step 0  rmse 1.0000",
            "trial 5  step 1  rmse 0.5000",
            "trial 5  failed (Traceback\\x1b[2J)");
  }

  @Test
  void our_trainers_trials_keep_their_progress_lines_and_test_figures() {
    WatchCommand.Board board = board("test_accuracy", false);

    board.show(status(2, "running"));
    board.show(metric(2, "train_loss", 0.25, 10));
    board.tick();
    board.show(
        message(
            2,
            "progress",
            "{\"epoch\":1,\"epochs\":1,\"step\":10,\"steps\":10,\"fraction\":1.0,"
                + "\"imagesPerSecond\":12345.0,\"etaSeconds\":0.0}"));
    board.show(metric(2, "test_loss", 0.1, 10));
    board.show(metric(2, "test_accuracy", 0.97, 10));
    later(Duration.ofSeconds(2));
    board.tick();
    board.show(status(2, "succeeded"));

    assertThat(text.toString().lines())
        .containsExactly(
            "trial 2  running",
            "trial 2  epoch 1/1  [####################] 100%  12,345 img/s  loss 0.2500  ETA 0:00",
            "trial 2  succeeded  test_accuracy 0.9700  test_loss 0.1000");
  }

  private WatchCommand.Board board(String objective, boolean programs) {
    return new WatchCommand.Board(new PrintWriter(text, true), nanos::get, objective, programs);
  }

  private void later(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  private EventFollower.Message metric(long trialId, String key, double value, long step) {
    return message(
        trialId,
        "metric",
        "{\"key\":\"" + key + "\",\"value\":" + value + ",\"step\":" + step + ",\"epoch\":0}");
  }

  private EventFollower.Message status(long trialId, String status) {
    return message(trialId, "status", "{\"status\":\"" + status + "\",\"reason\":\"\"}");
  }

  private EventFollower.Message failed(long trialId, String reason) {
    return message(
        trialId,
        "status",
        "{\"status\":\"failed\",\"reason\":" + Json.mapper().writeValueAsString(reason) + "}");
  }

  /** An event as the server's stream sends it (the data of one SSE message). */
  private EventFollower.Message message(long trialId, String type, String payload) {
    long id = ++eventId;
    return new EventFollower.Message(
        id,
        type,
        Json.mapper().readTree(WatchAndLogsCommandsTest.eventData(id, type, payload, trialId)));
  }
}
