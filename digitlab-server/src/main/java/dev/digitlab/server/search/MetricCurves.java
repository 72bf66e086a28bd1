package dev.digitlab.server.search;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A trial's curve of one metric from its stored metric events, by step: a built-in trial's epoch
 * (its per-epoch metrics), or the {@code step} a command trial reports with epoch 0. A later report
 * at the same step (a resumed attempt) replaces the earlier one.
 */
@Component
public class MetricCurves {

  private static final ObjectMapper JSON = Json.mapper();

  private final EventStore events;

  public MetricCurves(EventStore events) {
    this.events = events;
  }

  public NavigableMap<Integer, Double> curve(long trialId, String metric) {
    NavigableMap<Integer, Double> curve = new TreeMap<>();
    long after = 0;
    while (true) {
      List<TrialEvent> page = events.ofType(trialId, EventType.METRIC, after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        add(curve, event.payload(), metric);
        after = event.id();
      }
      if (page.size() < EventStore.MAX_PAGE) {
        return curve;
      }
    }
  }

  private static void add(NavigableMap<Integer, Double> curve, String payload, String metric) {
    // Cheap test first: most metric events are other keys (train_loss every few steps).
    if (!payload.contains("\"" + metric + "\"")) {
      return;
    }
    try {
      JsonNode point = JSON.readTree(payload);
      if (!metric.equals(point.path("key").asString())) {
        return;
      }
      JsonNode valueNode = point.path("value");
      double value =
          valueNode.isNumber() ? valueNode.doubleValue() : Double.parseDouble(valueNode.asString());
      int epoch = point.path("epoch").asInt();
      long step = epoch > 0 ? epoch : point.path("step").asLong();
      curve.put((int) Math.min(step, Integer.MAX_VALUE), value);
    } catch (Exception e) {
      // A payload that is not a metric point is not part of any curve.
    }
  }
}
