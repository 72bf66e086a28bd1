package dev.digitlab.server.retraining;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetSplits;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.feedback.Feedback;
import dev.digitlab.server.feedback.FeedbackSet;
import dev.digitlab.server.feedback.FeedbackStore;
import dev.digitlab.server.workers.ServerDatasets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The images a retraining trains and is judged on, which only this server has: its trial's config
 * names the dataset {@code retraining-<experiment>}, which is the base dataset's training set (the
 * base recipe's {@code trainSubset} of it) plus every non-held-out feedback image of the model
 * given before the retraining started, tested on the base test set. The held-out feedback images
 * are kept for the quality gate. The same experiment always gives the same images, so an attempt
 * that resumes after a crash trains on what the first one did.
 */
@Component
class RetrainingData implements ServerDatasets {

  static final String PREFIX = "retraining-";

  private static final ExperimentFiles FILES = new ExperimentFiles();
  private static final JsonMapper JSON = Json.mapper();

  private final RetrainingStore policies;
  private final ExperimentStore experiments;
  private final FeedbackStore feedback;
  private final FeedbackSet feedbackSet;
  private final DatasetStore datasets;

  RetrainingData(
      RetrainingStore policies,
      ExperimentStore experiments,
      FeedbackStore feedback,
      FeedbackSet feedbackSet,
      @Value("${digitlab.worker.data-home:${digitlab.home}}") Path dataHome) {
    this.policies = policies;
    this.experiments = experiments;
    this.feedback = feedback;
    this.feedbackSet = feedbackSet;
    this.datasets = new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE));
  }

  /** The dataset name a retraining's trial config gives. */
  static String datasetOf(long experimentId) {
    return PREFIX + experimentId;
  }

  @Override
  public Optional<LoadedDataset> load(String name) {
    if (!name.startsWith(PREFIX)) {
      return Optional.empty();
    }
    long experimentId;
    try {
      experimentId = Long.parseLong(name.substring(PREFIX.length()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    Experiment experiment = experiments.find(experimentId).orElse(null);
    Optional<RetrainingPolicy> policy = policies.byExperiment(experimentId);
    if (experiment == null || policy.isEmpty()) {
      return Optional.empty();
    }
    TrainingConfig recipe = recipe(experiment);
    LoadedDataset base = datasets.load(DatasetId.byName(experiment.dataset()));
    ImageSet baseTrain = base.train();
    if (recipe.trainSubset() > 0 && recipe.trainSubset() < baseTrain.size()) {
      baseTrain = DatasetSplits.stratifiedSubset(baseTrain, recipe.trainSubset(), recipe.seed());
    }
    List<Feedback> train =
        given(policy.get().model(), experiment).stream().filter(f -> !f.heldOut()).toList();
    return Optional.of(new LoadedDataset(concat(baseTrain, feedbackSet.of(train)), base.test()));
  }

  /** The base version's training config, which the retraining's experiment spec keeps. */
  static TrainingConfig recipe(Experiment experiment) {
    return FILES.readConfig(JSON.readTree(experiment.spec()).get("config").toString());
  }

  /** The base dataset's test set, the gate's first measure. */
  ImageSet test(Experiment experiment) {
    return datasets.load(DatasetId.byName(experiment.dataset())).test();
  }

  /** The held-out feedback images given before the retraining started, the gate's second. */
  ImageSet heldOut(String model, Experiment experiment) {
    return feedbackSet.of(given(model, experiment).stream().filter(Feedback::heldOut).toList());
  }

  /** The model's feedback given up to the retraining's start. */
  List<Feedback> given(String model, Experiment experiment) {
    return feedback.all(model).stream()
        .filter(f -> !f.createdAt().isAfter(experiment.createdAt()))
        .toList();
  }

  private static ImageSet concat(ImageSet a, ImageSet b) {
    byte[] pixels = new byte[a.pixels().length + b.pixels().length];
    System.arraycopy(a.pixels(), 0, pixels, 0, a.pixels().length);
    System.arraycopy(b.pixels(), 0, pixels, a.pixels().length, b.pixels().length);
    byte[] labels = new byte[a.labels().length + b.labels().length];
    System.arraycopy(a.labels(), 0, labels, 0, a.labels().length);
    System.arraycopy(b.labels(), 0, labels, a.labels().length, b.labels().length);
    return new ImageSet(a.rows(), a.cols(), pixels, labels);
  }
}
