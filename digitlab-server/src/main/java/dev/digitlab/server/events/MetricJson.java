package dev.digitlab.server.events;

import dev.digitlab.protocol.event.MetricPoint;

/**
 * A metric point's payload as the stored JSON, the very text Jackson writes for the record ({@code
 * EventBatchReaderTest} compares the two), without Jackson's per-value machinery: ingestion writes
 * one per point.
 */
final class MetricJson {

  private MetricJson() {}

  static String of(MetricPoint point) {
    // The key needs no escaping: MetricPoint.KEY allows only [a-z0-9_./-].
    StringBuilder json = new StringBuilder(64 + point.key().length());
    json.append("{\"key\":\"").append(point.key()).append("\",\"value\":");
    double value = point.value();
    if (Double.isFinite(value)) {
      json.append(value);
    } else {
      // Jackson's default (WRITE_NAN_AS_STRINGS): "NaN", "Infinity", "-Infinity" as strings.
      json.append('"').append(value).append('"');
    }
    return json.append(",\"step\":")
        .append(point.step())
        .append(",\"epoch\":")
        .append(point.epoch())
        .append('}')
        .toString();
  }
}
