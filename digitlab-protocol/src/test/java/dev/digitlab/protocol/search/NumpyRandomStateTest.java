package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Our MT19937 against numpy's legacy {@code RandomState} (golden values in {@code
 * optuna/suggestions.json}, written by {@code bench/optuna-reference.sh}): bit-for-bit, since both
 * are exact integer arithmetic and the same division by 2⁵³.
 */
class NumpyRandomStateTest {

  private static final JsonNode REFERENCE = OptunaReference.read("suggestions.json");

  @Test
  void randomSampleEqualsNumpysForIntSeeds() {
    for (JsonNode c : REFERENCE.get("mt19937")) {
      NumpyRandomState rng = NumpyRandomState.seeded(c.get("seed").asLong());
      assertThat(rng.randomSample(5))
          .as("seed %s", c.get("seed"))
          .containsExactly(OptunaReference.doubles(c.get("first")));
      rng.randomSample(995);
      assertThat(rng.randomSample(3)).containsExactly(OptunaReference.doubles(c.get("from1000")));
    }
  }

  @Test
  void skippingEqualsDrawing() {
    for (long count : new long[] {0, 1, 311, 312, 313, 1000, 5000}) {
      NumpyRandomState drawn = NumpyRandomState.seeded(42);
      drawn.randomSample((int) count);
      NumpyRandomState skipped = NumpyRandomState.seeded(42);
      skipped.skipDoubles(count);
      assertThat(skipped.randomSample(700))
          .as("skip %d", count)
          .containsExactly(drawn.randomSample(700));
    }
  }

  @Test
  void arrayKeysEqualNumpysInitByArray() {
    for (JsonNode c : REFERENCE.get("keyed")) {
      int[] key =
          Arrays.stream(OptunaReference.doubles(c.get("key")))
              .mapToInt(d -> (int) (long) d)
              .toArray();
      assertThat(NumpyRandomState.keyed(key).randomSample(5))
          .as("key %s", c.get("key"))
          .containsExactly(OptunaReference.doubles(c.get("first")));
    }
    // A seed beyond numpy's 32 bits is keyed by its two halves.
    assertThat(NumpyRandomState.seeded(-1L).randomSample(3))
        .containsExactly(NumpyRandomState.keyed(-1, -1).randomSample(3));
  }

  @Test
  void uniformAndChoiceEqualNumpys() {
    JsonNode u = REFERENCE.get("uniform");
    NumpyRandomState rng = NumpyRandomState.seeded(u.get("seed").asLong());
    double[] low = OptunaReference.doubles(u.get("low"));
    double[] high = OptunaReference.doubles(u.get("high"));
    double[] values = new double[low.length];
    for (int i = 0; i < low.length; i++) {
      values[i] = rng.uniform(low[i], high[i]);
    }
    assertThat(values).containsExactly(OptunaReference.doubles(u.get("values")));

    JsonNode c = REFERENCE.get("choice");
    assertThat(
            NumpyRandomState.seeded(c.get("seed").asLong())
                .choice(OptunaReference.doubles(c.get("p")), c.get("size").asInt()))
        .containsExactly(OptunaReference.ints(c.get("values")));
  }
}
