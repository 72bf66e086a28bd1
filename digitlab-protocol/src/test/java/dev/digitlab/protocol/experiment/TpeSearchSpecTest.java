package dev.digitlab.protocol.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.search.Distribution;
import dev.digitlab.protocol.search.TpeSampler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TpeSearchSpecTest {

  static final String TPE =
      """
      name: tpe
      config: {model: mlp, epochs: 2}
      search:
        type: tpe
        maxTrials: 24
        parallelism: 2
        timeout: 2h
        seed: 3
        parameters:
          learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
          batchSize: [32, 64, 128, 256]
          dropout: {min: 0, max: 0.5}
          optimizer: [SGD, adam]
      """;

  private final ExperimentFiles files = new ExperimentFiles();

  @Test
  void aTpeSearchReadsWithItsBudgetAndStartsWithNoTrials() {
    ExperimentSpec spec = files.read(TPE, FileFormat.YAML);
    assertThat(spec.search().type()).isEqualTo(SearchType.TPE);
    assertThat(spec.search().tpe()).isEqualTo(new SearchSpace.TpeSettings(24, 2, 7200, 10));
    assertThat(spec.search().seed()).isEqualTo(3);
    assertThat(TrialExpansion.trialCount(spec)).isEqualTo(24);
    assertThat(TrialExpansion.expand(spec, 256)).isEmpty();
    // What the server stores reads back the same.
    assertThat(files.read(files.toJson(spec), FileFormat.JSON)).isEqualTo(spec);
  }

  @Test
  void badBudgetsAreRefusedWithTheirPaths() {
    String bad =
        TPE.replace("maxTrials: 24", "maxTrials: 0")
            .replace("parallelism: 2", "parallelism: 99")
            .replace("timeout: 2h", "timeout: soon");
    assertThatThrownBy(() -> files.read(bad, FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::path)
                    .contains("search.maxTrials", "search.parallelism", "search.timeout"));
    assertThatThrownBy(() -> files.read(TPE.replace("  maxTrials: 24\n", ""), FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> assertThat(e.errors()).extracting(FieldError::path).contains("search.maxTrials"));
    assertThatThrownBy(
            () ->
                files.read(TPE.replace("type: tpe", "type: random\n  samples: 3"), FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::message)
                    .contains("applies to tpe search only"));
    assertThatThrownBy(() -> files.read(TPE.replace("type: tpe", "type: bayes"), FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.errors().getFirst().message())
                    .contains("must be grid, random or tpe"));
  }

  @Test
  void aSuggestionBecomesATrialConfigAndReadsBackAsTheSameValues() throws Exception {
    ExperimentSpec spec = files.read(TPE, FileFormat.YAML);
    Map<String, Distribution> space = TpeTrials.space(spec.search());
    assertThat(space.get("learningRate")).isEqualTo(new Distribution.FloatRange(1e-4, 1e-1, true));
    assertThat(space.get("optimizer")).isEqualTo(new Distribution.Categorical(2));
    Map<String, Double> values =
        new TpeSampler(spec.search().seed()).suggest(0, space, List.of(), true);
    TrainingConfig config = TpeTrials.config(spec, values);
    String stored = files.configJson(config);
    assertThat(TpeTrials.values(spec.search(), Json.mapper().readTree(stored))).isEqualTo(values);
    assertThat(config.epochs()).isEqualTo(2);
    assertThat(config.dropout()).isEqualTo(values.get("dropout"));
  }

  @Test
  void aPrunerReadsForAnySearchAndChecksItsMetric() {
    String withPruner =
        TPE.replace(
                "config: {model: mlp, epochs: 2}",
                "config: {model: mlp, epochs: 4, validationRatio: 0.1}")
            + "pruner: {type: asha, metric: val_accuracy, minEpochs: 1, reductionFactor: 3}\n";
    ExperimentSpec spec = files.read(withPruner, FileFormat.YAML);
    assertThat(spec.pruner())
        .isEqualTo(new PrunerSpec(PrunerSpec.Type.ASHA, "val_accuracy", 1, 3, 5, 0));
    assertThat(spec.pruner().maximize()).isTrue();
    assertThat(files.read(files.toJson(spec), FileFormat.JSON)).isEqualTo(spec);
    ExperimentSpec median =
        files.read(
            RandomSearchTest.RANDOM + "pruner: {type: median, metric: epoch_train_loss}\n",
            FileFormat.YAML);
    assertThat(median.pruner().pruner())
        .isEqualTo(new dev.digitlab.protocol.search.MedianPruner(5, 1));
    assertThat(median.pruner().maximize()).isFalse();

    // val_ metrics need a validation split; the message says how to fix it.
    assertThatThrownBy(
            () ->
                files.read(TPE + "pruner: {type: median, metric: val_accuracy}\n", FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.errors())
                    .anySatisfy(
                        error -> {
                          assertThat(error.path()).isEqualTo("pruner.metric");
                          assertThat(error.message()).contains("validationRatio");
                        }));
    assertThatThrownBy(
            () ->
                files.read(
                    TPE + "pruner: {type: halving, minEpochs: 0, reductionFactor: 1}\n",
                    FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> assertThat(e.errors()).extracting(FieldError::path).contains("pruner.type"));
    assertThatThrownBy(
            () ->
                files.read(
                    TPE
                        + "pruner: {type: asha, metric: epoch_train_accuracy, reductionFactor: 1}\n",
                    FileFormat.YAML))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::path)
                    .containsExactly("pruner.reductionFactor"));
  }
}
