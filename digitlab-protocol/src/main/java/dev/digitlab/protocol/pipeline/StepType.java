package dev.digitlab.protocol.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What a pipeline step does; the names are the {@code type} values of a pipeline file. */
public enum StepType {
  /** Fetches and verifies a dataset; records its files' digests and image counts. */
  INGEST,
  /** A stratified split of the training images into train and validation parts. */
  SPLIT,
  /** Label and pixel-intensity histograms and a sample grid per class, as PNG images. */
  EDA,
  /** Trains one configuration as a trial through the queue. */
  TRAIN,
  /** Evaluates the model of the train step it depends on, on the test set. */
  BENCHMARK,
  /** A table and a chart of one metric against the swept parameter; picks the best. */
  SUMMARY,
  /** Runs an executable; its output is the log, {@code metric NAME=VALUE} lines are metrics. */
  COMMAND;

  /** The name in files and the API: {@code ingest}, {@code train}... */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The type a file names, if any. */
  public static Optional<StepType> named(String name) {
    return Arrays.stream(values()).filter(t -> t.configName().equals(name)).findFirst();
  }

  public static List<String> names() {
    return Arrays.stream(values()).map(StepType::configName).toList();
  }

  /**
   * True for a step that gathers its dependencies' results and so runs once they have all ended,
   * whether they succeeded or not (a summary reports the branches that failed); every other step
   * runs only when all its dependencies succeeded and is skipped otherwise.
   */
  public boolean gathers() {
    return this == SUMMARY;
  }
}
