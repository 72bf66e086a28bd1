package dev.digitlab.server.workers;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
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
  private WorkerGauges gauges;
  private Thread refresher;

  WorkerMetrics(WorkerRegistry workers, WorkerSettings settings) {
    this.workers = workers;
    this.settings = settings;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    gauges = new WorkerGauges(registry);
  }

  /** Reads the workers again and shows them in the gauges. */
  synchronized void refresh() {
    if (gauges != null) {
      gauges.show(workers.list(settings.silenceBeforeLost()));
    }
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
