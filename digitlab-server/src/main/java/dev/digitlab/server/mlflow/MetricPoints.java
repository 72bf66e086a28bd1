package dev.digitlab.server.mlflow;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A run's metric points as MLflow has them, read from its event stream (built-in trials' included:
 * a point without a timestamp takes the time it was stored).
 */
@Component
class MetricPoints {

  private final EventStore events;

  MetricPoints(EventStore events) {
    this.events = events;
  }

  /** Every point of the run's metric {@code key}, in the order they were logged. */
  List<MetricPoint> of(long trialId, String key) {
    return of(trialId, Set.of(key));
  }

  /** Every point of the run's metrics named in {@code keys}, in the order they were logged. */
  List<MetricPoint> of(long trialId, Set<String> keys) {
    List<MetricPoint> points = new ArrayList<>();
    long after = 0;
    List<TrialEvent> page;
    do {
      page = events.ofType(trialId, EventType.METRIC, after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        JsonNode payload;
        try {
          payload = MlflowRequest.JSON.readTree(event.payload());
        } catch (JacksonException e) {
          continue;
        }
        String key = payload.path("key").asString("");
        if (!keys.contains(key)) {
          continue;
        }
        JsonNode value = payload.path("value");
        double number = value.isNumber() ? value.asDouble() : parseSpecial(value.asString("NaN"));
        long timestamp =
            payload.has("timestamp")
                ? payload.path("timestamp").asLong()
                : event.createdAt().toEpochMilli();
        points.add(new MetricPoint(key, number, timestamp, payload.path("step").asLong()));
      }
      after = page.isEmpty() ? after : page.getLast().id();
    } while (page.size() == EventStore.MAX_PAGE);
    return points;
  }

  private static double parseSpecial(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
