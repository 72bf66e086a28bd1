package dev.digitlab.cli;

import dev.digitlab.ml.train.EpochMetrics;
import dev.digitlab.ml.train.StepProgress;
import dev.digitlab.ml.train.TrainingListener;
import dev.digitlab.ml.train.TrainingPlan;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The terminal's view of a run: a progress bar (images/s, loss, ETA) redrawn at most five times a
 * second on stderr, and one line per epoch. Without a terminal only the epoch lines are printed.
 */
final class TrainingProgress implements TrainingListener {

  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 24;

  private final PrintWriter err;
  private final boolean bar;
  private TrainingPlan plan;
  private long lastDraw;

  TrainingProgress(PrintWriter err, boolean bar) {
    this.err = err;
    this.bar = bar;
  }

  @Override
  public void onStart(TrainingPlan plan) {
    this.plan = plan;
    err.printf(
        Locale.ROOT,
        "Training on %,d images (%,d validation, %,d test) on %s with %d threads%n",
        plan.trainImages(),
        plan.validationImages(),
        plan.testImages(),
        plan.device(),
        plan.threads());
    err.flush();
  }

  @Override
  public void onStep(StepProgress p) {
    long now = System.nanoTime();
    if (!bar || (now - lastDraw < REDRAW_NANOS && p.stepInEpoch() < plan.stepsPerEpoch())) {
      return;
    }
    lastDraw = now;
    double fraction = p.stepInEpoch() / (double) plan.stepsPerEpoch();
    double rate = p.epochSeconds() > 0 ? p.imagesInEpoch() / p.epochSeconds() : 0;
    long remainingImages =
        (long) (plan.epochs() - p.epoch()) * plan.trainImages()
            + (plan.trainImages() - p.imagesInEpoch());
    int filled = (int) Math.round(fraction * WIDTH);
    err.printf(
        Locale.ROOT,
        "\repoch %d/%d [%s%s] %3.0f%% %,8.0f img/s  loss %.4f  ETA %s ",
        p.epoch(),
        plan.epochs(),
        "=".repeat(filled),
        " ".repeat(WIDTH - filled),
        fraction * 100,
        rate,
        p.loss(),
        rate > 0 ? duration(remainingImages / rate) : "--:--");
    err.flush();
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    if (bar) {
      err.print("\r" + " ".repeat(WIDTH + 70) + "\r");
    }
    String validation =
        m.validationAccuracy() == null
            ? ""
            : String.format(
                Locale.ROOT,
                "  val_loss %.4f  val_acc %.2f%%",
                m.validationLoss(),
                m.validationAccuracy() * 100);
    err.printf(
        Locale.ROOT,
        "epoch %d/%d  loss %.4f  acc %.2f%%%s  %,.0f img/s  %.1f s%n",
        m.epoch(),
        plan.epochs(),
        m.trainLoss(),
        m.trainAccuracy() * 100,
        validation,
        m.imagesPerSecond(),
        m.seconds());
    err.flush();
  }

  @Override
  public void onWarning(String line) {
    err.println("warning: " + line);
    err.flush();
  }

  @Override
  public void onLog(String line) {
    if (line.startsWith("resumed")) {
      err.println(line);
      err.flush();
    }
  }

  private static String duration(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
