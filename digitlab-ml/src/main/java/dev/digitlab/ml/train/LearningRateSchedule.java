package dev.digitlab.ml.train;

/**
 * The learning rate at every optimizer step, as a pure function of the step: a resumed run needs
 * only the step count to continue the schedule. Formulas follow PyTorch's schedulers.
 */
public record LearningRateSchedule(
    ScheduleKind kind,
    double baseRate,
    int stepsPerEpoch,
    int totalSteps,
    int stepEpochs,
    double gamma) {

  /** One-cycle: share of the steps spent warming up (PyTorch's {@code pct_start}). */
  static final double ONE_CYCLE_WARMUP = 0.3;

  /** One-cycle: initial rate is the peak divided by this ({@code div_factor}). */
  static final double ONE_CYCLE_DIV = 25;

  /** One-cycle: final rate is the initial one divided by this ({@code final_div_factor}). */
  static final double ONE_CYCLE_FINAL_DIV = 1e4;

  /** The schedule a config asks for, over {@code stepsPerEpoch × epochs} steps. */
  public static LearningRateSchedule of(TrainingConfig config, int stepsPerEpoch) {
    return new LearningRateSchedule(
        config.lrSchedule(),
        config.learningRate(),
        stepsPerEpoch,
        stepsPerEpoch * config.epochs(),
        config.lrStepEpochs(),
        config.lrGamma());
  }

  /** The rate for step {@code step}, counted from 0. */
  public double rateAt(long step) {
    return switch (kind) {
      case CONSTANT -> baseRate;
      case STEP -> baseRate * Math.pow(gamma, (step / stepsPerEpoch) / stepEpochs);
      // CosineAnnealingLR with T_max = all steps and eta_min = 0.
      case COSINE ->
          baseRate * (1 + Math.cos(Math.PI * Math.min(step, totalSteps) / totalSteps)) / 2;
      case ONE_CYCLE -> oneCycle(step);
    };
  }

  private double oneCycle(long step) {
    double initial = baseRate / ONE_CYCLE_DIV;
    double last = initial / ONE_CYCLE_FINAL_DIV;
    double warmupEnd = ONE_CYCLE_WARMUP * totalSteps - 1;
    if (step <= warmupEnd) {
      return cosineBetween(initial, baseRate, warmupEnd <= 0 ? 1 : step / warmupEnd);
    }
    double span = (totalSteps - 1) - warmupEnd;
    return cosineBetween(baseRate, last, span <= 0 ? 1 : Math.min(1, (step - warmupEnd) / span));
  }

  private static double cosineBetween(double from, double to, double fraction) {
    return to + (from - to) / 2 * (1 + Math.cos(Math.PI * fraction));
  }
}
