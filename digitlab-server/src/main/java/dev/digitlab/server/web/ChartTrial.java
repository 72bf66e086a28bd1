package dev.digitlab.server.web;

import dev.digitlab.ml.json.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * What the charts of the experiment and compare pages know about one trial, written into the page
 * as JSON: its config, its latest metrics (the test figures once it finished) and when and where it
 * ran (ISO-8601 instants). {@code worker} ran its latest attempt (kept after it ended); {@code
 * kind} is the trial's ({@code external} for an MLflow run, whose curves are drawn against its
 * steps).
 */
public record ChartTrial(
    long id,
    long experimentId,
    String label,
    String status,
    Map<String, Object> config,
    Map<String, Object> metrics,
    String startedAt,
    String finishedAt,
    String worker,
    int ordinal,
    String kind) {

  private static final ObjectMapper JSON = Json.mapper();
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  /** An instant as ISO-8601 text, or null. */
  public static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  /** A stored JSON object as a map; an empty map for none. */
  public static Map<String, Object> map(String json) {
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    try {
      return JSON.readValue(json, MAP);
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored JSON object is not JSON: " + json, e);
    }
  }
}
