package dev.digitlab.server.queue;

import dev.digitlab.server.database.AfterCommit;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Every {@link TrialLifecycle} of the application, told of changes by the queue. Looked up when
 * first needed rather than injected: the experiments' store is a lifecycle and also adds its trials
 * through the queue.
 */
@Component
public class TrialLifecycles {

  private static final Logger log = LoggerFactory.getLogger(TrialLifecycles.class);

  private final Supplier<List<TrialLifecycle>> listeners;

  @Autowired
  TrialLifecycles(ObjectProvider<TrialLifecycle> listeners) {
    this.listeners = () -> listeners.orderedStream().toList();
  }

  /**
   * Listeners from {@code listeners}, asked at each change (stores built by hand, whose experiment
   * store needs the queue that tells it).
   */
  public TrialLifecycles(Supplier<List<TrialLifecycle>> listeners) {
    this.listeners = listeners;
  }

  void trialsChanged(long experimentId) {
    listeners.get().forEach(listener -> listener.trialsChanged(experimentId));
  }

  void trialRetried(long experimentId) {
    listeners.get().forEach(listener -> listener.trialRetried(experimentId));
  }

  /** Tells the listeners once the current transaction commits (at once outside one). */
  void trialEnded(long trialId, long experimentId, TrialStatus status) {
    Runnable tell =
        () -> {
          for (TrialLifecycle listener : listeners.get()) {
            try {
              listener.trialEnded(trialId, experimentId, status);
            } catch (RuntimeException e) {
              // the trial's end is stored; one listener's trouble must not undo it nor the others'
              log.error("A listener failed on the end of trial {}", trialId, e);
            }
          }
        };
    AfterCommit.run(tell);
  }
}
