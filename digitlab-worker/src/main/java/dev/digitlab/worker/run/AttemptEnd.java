package dev.digitlab.worker.run;

import dev.digitlab.ml.train.TrainingResult;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.StatusChange;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every attempt ends, built-in ({@link TrialRunner}) or command ({@code CommandRunner}): the
 * final status event flushed and the outcome returned, or, when the worker is going away, what is
 * buffered delivered if it still can be and the attempt given up. One place, so the two kinds of
 * trial cannot drift apart in what the server sees last.
 */
public final class AttemptEnd {

  private static final Logger LOG = LoggerFactory.getLogger(AttemptEnd.class);

  private AttemptEnd() {}

  /**
   * Sends the final {@code status} event and returns the outcome that says the same.
   *
   * @param result the trainer's result on success of a built-in trial, else null
   */
  public static RunOutcome report(
      long trialId,
      int attempt,
      long firstSeq,
      EventBatcher events,
      RunStatus status,
      String reason,
      TrainingResult result,
      Map<String, Path> artifacts) {
    events.addAndFlush(new StatusChange(status.wireName(), clip(reason)));
    LOG.info(
        "trial {} attempt {} {} (events {}–{})",
        trialId,
        attempt,
        status.wireName(),
        firstSeq,
        events.lastSeq());
    return new RunOutcome(
        status, result, status == RunStatus.FAILED ? reason : null, events.lastSeq(), artifacts);
  }

  /**
   * Delivers what is buffered if the sink still can, then gives up the attempt: no final status is
   * sent, and a later attempt resumes from the last checkpoint.
   */
  public static InterruptedException abandoned(long trialId, int attempt, EventBatcher events) {
    // Cleared so the sink is not interrupted again while the buffered events leave.
    Thread.interrupted();
    try {
      events.flush();
    } catch (RuntimeException e) {
      LOG.debug("trial {} attempt {}: buffered events not delivered", trialId, attempt, e);
    }
    LOG.info("trial {} attempt {} abandoned: interrupted", trialId, attempt);
    return new InterruptedException("trial " + trialId + " attempt " + attempt + " interrupted");
  }

  /** Text cut to what a log line or status reason may hold. */
  public static String clip(String text) {
    int max = LogLine.MAX_MESSAGE_CHARS;
    if (text.length() <= max) {
      return text;
    }
    String marker = "\n… (cut)";
    return text.substring(0, max - marker.length()) + marker;
  }
}
