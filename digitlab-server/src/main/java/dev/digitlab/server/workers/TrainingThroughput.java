package dev.digitlab.server.workers;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * How fast this server's embedded worker trains right now: the latest images/s of each running
 * trial, summed into the gauge {@code digitlab.training.images.per.second} (Prometheus: {@code
 * digitlab_training_images_per_second}); 0 when nothing trains.
 */
@Component
class TrainingThroughput implements MeterBinder {

  private final Map<Long, Double> byTrial = new ConcurrentHashMap<>();

  void report(long trialId, double imagesPerSecond) {
    byTrial.put(trialId, imagesPerSecond);
  }

  void finished(long trialId) {
    byTrial.remove(trialId);
  }

  /** The latest images/s of a trial this server is training; null when it trains none such. */
  Double of(long trialId) {
    return byTrial.get(trialId);
  }

  double total() {
    return byTrial.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("digitlab.training.images.per.second", this, TrainingThroughput::total)
        .description("Training images per second of the trials this server's worker runs")
        .register(registry);
  }
}
