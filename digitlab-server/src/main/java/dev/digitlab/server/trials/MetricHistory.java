package dev.digitlab.server.trials;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A trial's metric curves, read from its metric events. A resumed attempt's points replace those
 * its dead predecessor recorded after the checkpoint (the store never returns superseded events),
 * so each epoch appears once.
 */
@Component
public class MetricHistory {

  private static final ObjectMapper JSON = Json.mapper();

  /** The most points a curve may be asked to keep. */
  static final int MAX_POINTS = 100_000;

  private final EventStore events;

  MetricHistory(EventStore events) {
    this.events = events;
  }

  /**
   * The curves of {@code keys} (every key when empty), each ordered by step and limited to steps
   * {@code fromStep..toStep} (inclusive, null = open); with {@code points}, each is shrunk to at
   * most that many points by {@link Downsampling#minMax}. A requested key without points maps to an
   * empty list.
   */
  public Map<String, List<MetricSample>> of(
      long trialId, Set<String> keys, Long fromStep, Long toStep, Integer points) {
    Map<String, List<MetricSample>> curves = new TreeMap<>();
    keys.forEach(key -> curves.put(key, new ArrayList<>()));
    long after = 0;
    List<TrialEvent> page;
    do {
      page = events.ofType(trialId, EventType.METRIC, after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        JsonNode metric = read(event.payload());
        String key = metric.path("key").asString();
        long step = metric.path("step").asLong();
        if ((!keys.isEmpty() && !keys.contains(key))
            || (fromStep != null && step < fromStep)
            || (toStep != null && step > toStep)) {
          continue;
        }
        curves
            .computeIfAbsent(key, k -> new ArrayList<>())
            .add(
                new MetricSample(
                    step,
                    metric.path("epoch").asInt(),
                    value(metric.path("value")),
                    time(metric, event)));
      }
      after = page.isEmpty() ? after : page.getLast().id();
    } while (page.size() == EventStore.MAX_PAGE);
    Map<String, List<MetricSample>> result = new LinkedHashMap<>();
    curves.forEach(
        (key, curve) -> {
          // Stable: points of one step keep the order they were stored in.
          curve.sort(Comparator.comparingLong(MetricSample::step));
          result.put(key, points == null ? curve : Downsampling.minMax(curve, points));
        });
    return result;
  }

  /** Refuses a {@code points} parameter outside 2..{@value #MAX_POINTS} (null: every point). */
  public static void checkPoints(Integer points) {
    if (points != null && (points < 2 || points > MAX_POINTS)) {
      throw new InvalidParameterException(
          "points", "must be between 2 and " + MAX_POINTS + ", got " + points);
    }
  }

  /** The keys of a comma-separated {@code keys} parameter, in order (none: every key). */
  public static Set<String> keys(String list) {
    Set<String> keys = new LinkedHashSet<>();
    if (list != null) {
      Arrays.stream(list.split(",")).map(String::trim).filter(k -> !k.isEmpty()).forEach(keys::add);
    }
    return keys;
  }

  /**
   * When the point was measured: the timestamp a client logged with it through the MLflow API
   * (epoch milliseconds), else when the server stored it.
   */
  private static Instant time(JsonNode metric, TrialEvent event) {
    JsonNode timestamp = metric.path("timestamp");
    return timestamp.isIntegralNumber()
        ? Instant.ofEpochMilli(timestamp.asLong())
        : event.createdAt();
  }

  private static Double value(JsonNode value) {
    // Jackson writes NaN and infinities as strings; they become null (a gap in the curve).
    if (!value.isNumber()) {
      return null;
    }
    double v = value.asDouble();
    return Double.isFinite(v) ? v : null;
  }

  private static JsonNode read(String payload) {
    try {
      return JSON.readTree(payload);
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored metric event is not JSON: " + payload, e);
    }
  }
}
