package dev.digitlab.server.workers;

import dev.digitlab.protocol.worker.WorkerInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The per-worker gauges, tagged {@code worker=<name>}, showing the workers last given to {@link
 * #show}. A worker's rows stay registered from one {@code show} to the next and read the latest
 * list when scraped: re-registering them (MultiGauge's {@code overwrite}) removes each row before
 * adding it again, and a scrape in between would miss it.
 */
final class WorkerGauges {

  private final MultiGauge speed;
  private final MultiGauge running;
  private final MultiGauge slots;
  private final MultiGauge up;
  private volatile Map<String, WorkerInfo> latest = Map.of();

  WorkerGauges(MeterRegistry registry) {
    speed =
        MultiGauge.builder("digitlab.worker.images.per.second")
            .description("Training images per second of each remote worker")
            .register(registry);
    running =
        MultiGauge.builder("digitlab.worker.running.trials")
            .description("Trials each remote worker holds a lease on")
            .register(registry);
    slots =
        MultiGauge.builder("digitlab.worker.slots")
            .description("Trials each remote worker runs at once")
            .register(registry);
    up =
        MultiGauge.builder("digitlab.worker.up")
            .description("1 while a remote worker heartbeats, 0 once it is lost")
            .register(registry);
  }

  /** Shows these workers: rows for new ones are added, rows for ones not listed are removed. */
  synchronized void show(List<WorkerInfo> workers) {
    latest =
        workers.stream()
            .collect(
                Collectors.toUnmodifiableMap(WorkerInfo::name, Function.identity(), (a, b) -> b));
    List<String> names = List.copyOf(latest.keySet());
    speed.register(rows(names, WorkerInfo::imagesPerSecond), false);
    running.register(rows(names, w -> w.currentTrials().size()), false);
    slots.register(rows(names, WorkerInfo::slots), false);
    up.register(rows(names, w -> WorkerRegistry.LOST.equals(w.state()) ? 0 : 1), false);
  }

  private List<MultiGauge.Row<?>> rows(List<String> names, ToDoubleFunction<WorkerInfo> value) {
    return names.stream()
        .<MultiGauge.Row<?>>map(
            name -> MultiGauge.Row.of(Tags.of("worker", name), this, g -> g.read(name, value)))
        .toList();
  }

  /** NaN for a worker gone from the list, in the instant before its row is removed. */
  private double read(String name, ToDoubleFunction<WorkerInfo> value) {
    WorkerInfo worker = latest.get(name);
    return worker == null ? Double.NaN : value.applyAsDouble(worker);
  }
}
