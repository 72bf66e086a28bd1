package dev.digitlab.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class NaturalOrderTest {

  @Test
  void digits_go_by_their_number_and_letters_regardless_of_case() {
    List<String> keys =
        new ArrayList<>(
            List.of("layer10_loss", "rmse", "Accuracy", "layer2_loss", "layer02_loss", "b", "a"));
    keys.sort(NaturalOrder.KEYS);
    assertThat(keys)
        .containsExactly(
            "a", "Accuracy", "b", "layer2_loss", "layer02_loss", "layer10_loss", "rmse");
  }

  @Test
  void numbers_longer_than_a_long_are_compared_without_overflow() {
    String small = "step" + "9".repeat(30);
    String large = "step1" + "0".repeat(30);
    assertThat(NaturalOrder.compare(small, large)).isNegative();
    assertThat(NaturalOrder.compare(large, small)).isPositive();
  }

  /** A TreeMap keeps keys that differ only in case apart: no two keys compare equal. */
  @Test
  void keys_equal_but_for_case_stay_two_keys() {
    TreeMap<String, String> map = new TreeMap<>(NaturalOrder.KEYS);
    map.put("Team", "a");
    map.put("team", "b");
    map.put("team01", "c");
    map.put("team1", "d");
    assertThat(map).hasSize(4);
    assertThat(map.keySet()).containsExactly("Team", "team", "team1", "team01");
  }
}
