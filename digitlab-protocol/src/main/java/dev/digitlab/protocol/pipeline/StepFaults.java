package dev.digitlab.protocol.pipeline;

/**
 * Fault injection for demos and tests: the step's first {@code fail} attempts fail at once, the
 * {@code hang} attempts after those hang until their timeout interrupts them, and later attempts
 * run normally.
 */
public record StepFaults(int fail, int hang) {

  public static final StepFaults NONE = new StepFaults(0, 0);

  /** What attempt {@code attempt} (1-based) is made to do. */
  public Fault forAttempt(int attempt) {
    if (attempt <= fail) {
      return Fault.FAIL;
    }
    return attempt <= fail + hang ? Fault.HANG : Fault.NONE;
  }

  /** The injected behaviour of one attempt. */
  public enum Fault {
    NONE,
    FAIL,
    HANG
  }
}
