package dev.digitlab.ml.json;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.cfg.MapperBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Digit Lab's one JSON configuration (Jackson 3), used by every module and, in the server, by
 * Spring MVC's own mapper. It lives in digitlab-ml because that is the module every other one
 * depends on (and which imports none of them).
 *
 * <p>Jackson 3's defaults, except where they would change what the project wrote and read with
 * Jackson 2 and clients rely on (the worker protocol, events, checkpoint headers, {@code train
 * --json}, experiment files):
 *
 * <ul>
 *   <li>properties in declaration (record component) order, not sorted alphabetically;
 *   <li>enums written and read by {@code name()} (or their {@code @JsonValue}), not {@code
 *       toString()};
 *   <li>an unknown property is an error, not silently dropped ({@code {"learningrate": 0.1}} must
 *       not train with the default rate); Spring MVC's request bodies keep Jackson 3's leniency
 *       (the server's {@code JsonSettings});
 *   <li>a missing (or null) primitive property takes its zero value, as the protocol allows (a
 *       metric point without {@code epoch} is epoch 0); readers that must refuse it enable {@code
 *       FAIL_ON_NULL_FOR_PRIMITIVES} themselves (the experiment reader's config fields do);
 *   <li>an integer refuses a number with a fraction ({@code {"trialId": 1.5}} is not trial 1),
 *       where Jackson would cut it off; {@code 2.0} still reads as 2 ({@link WholeNumbers}).
 * </ul>
 *
 * Jackson 3's other defaults apply: trailing tokens are an error, dates are ISO-8601 strings.
 */
public final class Json {

  private static final JsonMapper MAPPER = builder().build();

  private Json() {}

  /**
   * The project's settings, for a mapper that adds to them (Spring's, a YAML one, a strict one).
   */
  public static <B extends MapperBuilder<?, B>> B configure(B builder) {
    return builder
        .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
        .disable(EnumFeature.READ_ENUMS_USING_TO_STRING)
        .addModule(WholeNumbers.module());
  }

  /** A JSON mapper builder with the project's settings. */
  public static JsonMapper.Builder builder() {
    return configure(JsonMapper.builder());
  }

  /** The shared mapper (immutable, thread-safe). */
  public static JsonMapper mapper() {
    return MAPPER;
  }

  /** Writes indented JSON (files people read: experiment and pipeline documents, reports). */
  public static ObjectWriter pretty() {
    return MAPPER.writerWithDefaultPrettyPrinter();
  }
}
