package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.StatusChange;

/** How an attempt ended. */
public enum RunStatus {
  SUCCEEDED(StatusChange.SUCCEEDED),
  FAILED(StatusChange.FAILED),
  CANCELLED(StatusChange.CANCELLED);

  private final String wireName;

  RunStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The status as the event stream spells it. */
  public String wireName() {
    return wireName;
  }
}
