package dev.digitlab.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.train.StepProgress;
import dev.digitlab.ml.train.TrainingPlan;
import dev.digitlab.protocol.event.Progress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventRecorderTest {

  private final MutableClock clock = new MutableClock();
  private final InMemoryEventSink sink = new InMemoryEventSink();
  private final EventBatcher events =
      new EventBatcher(
          sink, 1, clock, new EventBatching(10_000, Duration.ofHours(1), Duration.ZERO));
  private final EventRecorder recorder =
      new EventRecorder(
          events,
          clock,
          new EventBatching(10_000, Duration.ofHours(1), Duration.ofMillis(200)),
          new HashMap<>());

  @Test
  void progress_is_sent_at_most_five_times_a_second_but_always_at_an_epoch_end() {
    int stepsPerEpoch = 100;
    recorder.onStart(new TrainingPlan(2, 0, stepsPerEpoch, 3200, 0, 100, "cpu()", 2));
    long global = 0;
    for (int epoch = 1; epoch <= 2; epoch++) {
      for (int s = 1; s <= stepsPerEpoch; s++) {
        // 30 ms a step: 3 s an epoch, 6 s in all.
        clock.advance(Duration.ofMillis(30));
        recorder.onStep(new StepProgress(epoch, s, ++global, s * 32, 0.5, s * 0.03));
      }
    }
    events.flush();

    List<Progress> progress = sink.payloads(Progress.class);
    // 6 s at ≤ 5/s is at most 30, plus the two epoch ends; far fewer than the 200 steps.
    assertThat(progress).hasSizeBetween(25, 32);
    assertThat(progress).extracting(Progress::step).contains(100L, 200L).isSorted();
    assertThat(progress.getLast().fraction()).isEqualTo(1.0);
    assertThat(progress.getLast().etaSeconds()).isZero();
    assertThat(progress.getFirst().imagesPerSecond()).isCloseTo(32 / 0.03, within());
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-6);
  }
}
