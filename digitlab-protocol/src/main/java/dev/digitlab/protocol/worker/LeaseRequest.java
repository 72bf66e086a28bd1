package dev.digitlab.protocol.worker;

import java.util.Objects;

/** {@code POST /api/v1/worker/lease}: a registered worker asks for one trial to run. */
public record LeaseRequest(String worker) {

  public LeaseRequest {
    Objects.requireNonNull(worker, "worker");
  }
}
