package dev.digitlab.server.queue;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The server task that keeps leases honest, whether or not this server trains: every half lease it
 * fails attempts that ran past the trial timeout and puts back in the queue the trials whose lease
 * expired (a crashed server's or a silent remote worker's, a pipeline's train step, a retraining),
 * so their next attempt resumes from the last checkpoint. At start it first gives running leases a
 * fresh term: their workers could not heartbeat while this server was down.
 */
@Component
public class LeaseSweeper implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);

  private final TrialQueue queue;
  private final QueueSignal queueSignal;
  private final Duration lease;
  private Thread thread;

  LeaseSweeper(
      TrialQueue queue,
      QueueSignal queueSignal,
      @Value("${digitlab.worker.lease:30s}") Duration lease) {
    this.queue = queue;
    this.queueSignal = queueSignal;
    this.lease = lease;
  }

  /**
   * One sweep: times out attempts past the trial timeout, then requeues expired leases (waking the
   * workers if any was). Returns how many trials were requeued.
   */
  public int sweep() {
    int timedOut = queue.failTimedOut();
    if (timedOut > 0) {
      log.info("{} trial(s) ran longer than the trial timeout and failed", timedOut);
    }
    int requeued = queue.sweepExpired();
    if (requeued > 0) {
      queueSignal.trialsQueued();
      log.info("Requeued {} trial(s) whose lease expired", requeued);
    }
    return requeued;
  }

  @Override
  public synchronized void start() {
    int running = queue.extendRunningLeases(lease);
    if (running > 0) {
      log.info(
          "{} trial(s) were running: their workers have {} to heartbeat, else they are requeued",
          running,
          lease);
    }
    thread = Thread.ofVirtual().name("lease-sweeper").start(this::loop);
  }

  private void loop() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        sweep();
      } catch (RuntimeException e) {
        log.warn("Sweeping expired leases failed; trying again", e);
      }
      try {
        Thread.sleep(lease.dividedBy(2));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public synchronized void stop() {
    if (thread == null) {
      return;
    }
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread = null;
  }

  @Override
  public synchronized boolean isRunning() {
    return thread != null;
  }
}
