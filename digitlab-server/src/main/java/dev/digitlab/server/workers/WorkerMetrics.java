package dev.digitlab.server.workers;

import dev.digitlab.protocol.worker.WorkerInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Prometheus gauges per remote worker, tagged {@code worker=<name>}: {@code
 * digitlab_worker_images_per_second}, {@code digitlab_worker_running_trials}, {@code
 * digitlab_worker_slots} and {@code digitlab_worker_up} (0 once lost). Read from the database every
 * {@link #REFRESH}, so every server of a shared database reports every worker.
 */
@Component
class WorkerMetrics implements MeterBinder, SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(WorkerMetrics.class);
  static final Duration REFRESH = Duration.ofSeconds(2);

  private final WorkerRegistry workers;
  private final WorkerSettings settings;
  private MultiGauge speed;
  private MultiGauge running;
  private MultiGauge slots;
  private MultiGauge up;
  private Thread refresher;

  WorkerMetrics(WorkerRegistry workers, WorkerSettings settings) {
    this.workers = workers;
    this.settings = settings;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
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

  /** Reads the workers again and replaces the gauges' rows. */
  synchronized void refresh() {
    if (speed == null) {
      return;
    }
    List<WorkerInfo> all = workers.list(settings.silenceBeforeLost());
    speed.register(rows(all, WorkerInfo::imagesPerSecond), true);
    running.register(rows(all, w -> w.currentTrials().size()), true);
    slots.register(rows(all, WorkerInfo::slots), true);
    up.register(rows(all, w -> WorkerRegistry.LOST.equals(w.state()) ? 0 : 1), true);
  }

  private static List<MultiGauge.Row<?>> rows(
      List<WorkerInfo> all, java.util.function.ToDoubleFunction<WorkerInfo> value) {
    return all.stream()
        .<MultiGauge.Row<?>>map(
            w -> MultiGauge.Row.of(Tags.of("worker", w.name()), value.applyAsDouble(w)))
        .toList();
  }

  @Override
  public synchronized void start() {
    refresher =
        Thread.ofVirtual()
            .name("worker-metrics")
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    try {
                      refresh();
                      Thread.sleep(REFRESH);
                    } catch (InterruptedException e) {
                      return;
                    } catch (RuntimeException e) {
                      log.debug("Reading the workers for their metrics failed", e);
                      try {
                        Thread.sleep(REFRESH);
                      } catch (InterruptedException stop) {
                        return;
                      }
                    }
                  }
                });
  }

  @Override
  public synchronized void stop() {
    if (refresher != null) {
      refresher.interrupt();
      refresher = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return refresher != null;
  }
}
