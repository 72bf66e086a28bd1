package dev.digitlab.protocol.event;

/** What an event says; its concrete record decides the event's {@link EventType}. */
public sealed interface EventPayload
    permits MetricPoint, LogLine, Progress, StatusChange, ArtifactRef {

  /** The event type that carries this payload. */
  EventType type();
}
