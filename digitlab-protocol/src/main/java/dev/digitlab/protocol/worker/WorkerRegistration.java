package dev.digitlab.protocol.worker;

import java.util.List;
import java.util.Objects;

/**
 * {@code POST /api/v1/worker/register}: who the worker is. Registering again under the same name (a
 * restarted worker) updates the row.
 *
 * @param name unique among the server's workers
 * @param host where it runs, for people reading the worker list
 * @param slots how many trials it runs at once
 * @param capabilities {@code cpu} and/or {@code gpu}; a trial that requires one only goes to a
 *     worker that has it
 */
public record WorkerRegistration(String name, String host, int slots, List<String> capabilities) {

  public WorkerRegistration {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
  }
}
