package dev.digitlab.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrainingThreadsTest {

  @AfterEach
  void clear() {
    System.clearProperty(TrainingThreads.PROPERTY);
  }

  @Test
  void slots_share_the_cores_at_one_thread_each_at_least() {
    assertThat(TrainingThreads.shareCores(2, 8, false)).isEqualTo(4);
    assertThat(System.getProperty(TrainingThreads.PROPERTY)).isEqualTo("4");
    assertThat(TrainingThreads.shareCores(3, 2, false)).isEqualTo(1);
    assertThat(System.getProperty(TrainingThreads.PROPERTY)).isEqualTo("1");
  }

  @Test
  void one_slot_or_a_count_the_user_chose_keeps_the_default() {
    assertThat(TrainingThreads.shareCores(1, 8, false)).isZero();
    assertThat(TrainingThreads.shareCores(4, 8, true)).isZero();
    assertThat(System.getProperty(TrainingThreads.PROPERTY)).isNull();
  }
}
