package dev.digitlab.server.workers;

import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.security.CommandSettings;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.WaitingReasons;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * {@link WaitingReasons} from the workers online now: the registered remote workers not yet lost,
 * and the server's embedded slots (capability {@code cpu}, and {@code command} when the server was
 * started with {@code --allow-commands}).
 */
@Component
class OnlineWorkers implements WaitingReasons {

  private final WorkerRegistry registry;
  private final WorkerSettings settings;
  private final boolean embeddedRunsCommands;

  OnlineWorkers(WorkerRegistry registry, WorkerSettings settings, CommandSettings commands) {
    this.registry = registry;
    this.settings = settings;
    this.embeddedRunsCommands = commands.allowed();
  }

  @Override
  public String waitingFor(Trial trial) {
    if (trial.status() != TrialStatus.QUEUED) {
      return null;
    }
    String needed = trial.command() ? WorkerProtocol.COMMAND_CAPABILITY : trial.requires();
    List<Set<String>> online = capabilities();
    if (needed == null) {
      return online.isEmpty()
          ? "waiting for a worker: none is online. Start one with 'digitlab worker --server URL'"
              + " (or the server with --worker-slots above 0)"
          : null;
    }
    if (online.stream().anyMatch(worker -> worker.contains(needed))) {
      return null;
    }
    return switch (needed) {
      case WorkerProtocol.COMMAND_CAPABILITY ->
          "waiting for a worker with capability command: no online worker runs programs. Start"
              + " one with 'digitlab worker --allow-commands --server URL' (or the server with"
              + " --allow-commands to run them in its embedded worker)";
      case "gpu" ->
          "waiting for a worker with capability gpu: no online worker has a GPU. Start"
              + " 'digitlab worker' on a machine with one, or resubmit with device: auto";
      default ->
          "waiting for a worker with capability "
              + needed
              + ": no online worker has it. Start 'digitlab worker' with it";
    };
  }

  /**
   * The online workers' capabilities, read at most once a second: a page asks for each of its
   * queued trials.
   */
  private List<Set<String>> capabilities() {
    Cached cached = this.cached;
    long now = System.nanoTime();
    if (cached != null && now - cached.at() < 1_000_000_000L) {
      return cached.capabilities();
    }
    List<Set<String>> fresh = readCapabilities();
    this.cached = new Cached(now, fresh);
    return fresh;
  }

  private record Cached(long at, List<Set<String>> capabilities) {}

  private volatile Cached cached;

  private List<Set<String>> readCapabilities() {
    List<Set<String>> online = new ArrayList<>();
    for (WorkerInfo worker : registry.list(settings.silenceBeforeLost())) {
      if (!WorkerRegistry.LOST.equals(worker.state())) {
        online.add(new HashSet<>(worker.capabilities()));
      }
    }
    if (settings.slots() > 0) {
      online.add(Set.copyOf(embeddedCapabilities()));
    }
    return online;
  }

  /** What this server's embedded slots can run: the workers page lists it as a worker's. */
  List<String> embeddedCapabilities() {
    return embeddedRunsCommands
        ? List.of("cpu", WorkerProtocol.COMMAND_CAPABILITY)
        : List.of("cpu");
  }
}
