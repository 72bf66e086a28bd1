package dev.digitlab.ml.train;

import dev.digitlab.ml.data.DatasetSplits;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.TrainValidation;
import java.util.Objects;

/**
 * The images of a run: what it trains on, what it validates on after each epoch (null for none) and
 * the test set, which is only ever evaluated.
 */
public record TrainingData(ImageSet train, ImageSet validation, ImageSet test) {

  public TrainingData {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    if (train.size() == 0) {
      throw new IllegalArgumentException("there are no training images");
    }
  }

  /**
   * The images a config asks for: first its stratified {@code trainSubset} of the training set (all
   * of it when 0), then its {@code validationRatio} of those held out, stratified. Both draws are
   * seeded with the config's seed. The test set is passed through untouched.
   */
  public static TrainingData from(LoadedDataset dataset, TrainingConfig config) {
    ImageSet train = dataset.train();
    String problem = subsetProblem(config.trainSubset(), train.size(), config.dataset());
    if (problem != null) {
      throw new IllegalArgumentException("trainSubset " + problem);
    }
    if (config.trainSubset() > 0 && config.trainSubset() < train.size()) {
      train = DatasetSplits.stratifiedSubset(train, config.trainSubset(), config.seed());
    }
    if (config.validationRatio() == 0) {
      return new TrainingData(train, null, dataset.test());
    }
    TrainValidation split =
        DatasetSplits.trainValidation(train, config.validationRatio(), config.seed());
    return new TrainingData(split.train(), split.validation(), dataset.test());
  }

  /**
   * Why {@code trainSubset} cannot be drawn from the {@code trainImages} training images of {@code
   * dataset}, or null when it can (0 means all of them). A larger subset used to train on every
   * image without a word; {@code digitlab train}, the server's experiment check and a worker all
   * refuse it in these words.
   */
  public static String subsetProblem(int trainSubset, int trainImages, String dataset) {
    if (trainSubset <= trainImages) {
      return null;
    }
    return trainSubset
        + " is more than the "
        + trainImages
        + " training images of "
        + dataset
        + ": give at most "
        + trainImages
        + ", or 0 for all of them";
  }
}
