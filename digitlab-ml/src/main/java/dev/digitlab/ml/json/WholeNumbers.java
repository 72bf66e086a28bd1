package dev.digitlab.ml.json;

import java.math.BigDecimal;
import java.util.Set;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.deser.std.DelegatingDeserializer;
import tools.jackson.databind.module.SimpleModule;

/**
 * Integers read from JSON refuse a fraction. Jackson's {@code ACCEPT_FLOAT_AS_INT} (on by default)
 * cuts {@code 1.5} to {@code 1}, so {@code {"trialId": 1.5}} acted on trial 1 without a word;
 * turning the feature off would also refuse {@code 2.0}, which clients that write every number as a
 * float (JavaScript's JSON of a computed value, some Python code) send for 2. So a number with a
 * fraction is refused ("expected a whole number", on the property's path), and one whose fraction
 * is zero still reads as its whole value. Every other token goes to Jackson's own deserializer.
 */
final class WholeNumbers {

  private static final Set<Class<?>> INTEGERS =
      Set.of(
          Long.class,
          long.class,
          Integer.class,
          int.class,
          Short.class,
          short.class,
          Byte.class,
          byte.class);

  private WholeNumbers() {}

  static SimpleModule module() {
    SimpleModule module = new SimpleModule("digitlab-whole-numbers");
    module.setDeserializerModifier(
        new ValueDeserializerModifier() {
          private static final long serialVersionUID = 1L;

          @Override
          public ValueDeserializer<?> modifyDeserializer(
              DeserializationConfig config,
              BeanDescription.Supplier description,
              ValueDeserializer<?> deserializer) {
            return INTEGERS.contains(description.getBeanClass())
                ? new Refusing(deserializer)
                : deserializer;
          }
        });
    return module;
  }

  /** Jackson's integer deserializer, after a check that a floating-point token is whole. */
  private static final class Refusing extends DelegatingDeserializer {

    Refusing(ValueDeserializer<?> standard) {
      super(standard);
    }

    @Override
    protected ValueDeserializer<?> newDelegatingInstance(ValueDeserializer<?> newDelegatee) {
      return new Refusing(newDelegatee);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context) {
      if (parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        BigDecimal value = parser.getDecimalValue();
        if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
          throw context.weirdNumberException(value, handledType(), "expected a whole number");
        }
      }
      return super.deserialize(parser, context);
    }
  }
}
