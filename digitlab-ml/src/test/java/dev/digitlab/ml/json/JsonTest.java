package dev.digitlab.ml.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.DatabindException;

class JsonTest {

  record Ids(
      Long boxedLong,
      long primitiveLong,
      Integer boxedInt,
      int primitiveInt,
      List<Integer> list,
      double ratio) {}

  /**
   * Jackson cuts {@code 1.5} to {@code 1} for an integer (ACCEPT_FLOAT_AS_INT), so {@code
   * {"trialId": 1.5}} acted on trial 1. A fraction is refused naming the property.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"boxedLong\": 1.5}",
        "{\"primitiveLong\": -2.25}",
        "{\"boxedInt\": 0.5}",
        "{\"primitiveInt\": 3.000001}",
        "{\"list\": [1, 2.5]}"
      })
  void a_fraction_for_an_integer_is_refused_naming_the_property(String json) {
    String property = json.substring(2, json.indexOf('"', 2));
    assertThatThrownBy(() -> Json.mapper().readValue(json, Ids.class))
        .isInstanceOf(DatabindException.class)
        .hasMessageContaining("expected a whole number")
        .satisfies(
            e ->
                assertThat(((DatabindException) e).getPath().getFirst().getPropertyName())
                    .isEqualTo(property));
  }

  /** A whole number written with a fraction, as some clients write every number, still reads. */
  @Test
  void a_whole_number_with_a_fraction_and_a_real_number_still_read() {
    Ids read =
        Json.mapper()
            .readValue(
                """
                {"boxedLong": 2.0, "primitiveLong": 1e3, "boxedInt": -4.00, "primitiveInt": 7,
                 "list": [1.0, 2], "ratio": 0.25}
                """,
                Ids.class);

    assertThat(read).isEqualTo(new Ids(2L, 1000L, -4, 7, List.of(1, 2), 0.25));
  }
}
