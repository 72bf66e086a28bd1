package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.TrialEvent;
import java.util.ArrayList;
import java.util.List;

/** Keeps every batch in memory: for tests, and for callers that only want the outcome's events. */
public final class InMemoryEventSink implements EventSink {

  private final List<List<TrialEvent>> batches = new ArrayList<>();

  @Override
  public synchronized void append(List<TrialEvent> batch) {
    batches.add(List.copyOf(batch));
  }

  /** The batches received, in order. */
  public synchronized List<List<TrialEvent>> batches() {
    return List.copyOf(batches);
  }

  /** Every event received, in order. */
  public synchronized List<TrialEvent> events() {
    return batches.stream().flatMap(List::stream).toList();
  }

  /** The payloads of one type, in order. */
  public <P extends EventPayload> List<P> payloads(Class<P> type) {
    return events().stream()
        .map(TrialEvent::payload)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }
}
