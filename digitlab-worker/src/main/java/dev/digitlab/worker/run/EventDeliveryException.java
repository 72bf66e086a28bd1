package dev.digitlab.worker.run;

/** The {@link EventSink} failed, so the run could not report and was abandoned. */
public final class EventDeliveryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public EventDeliveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
