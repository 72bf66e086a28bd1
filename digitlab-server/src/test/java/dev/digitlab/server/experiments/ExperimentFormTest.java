package dev.digitlab.server.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.experiment.TrialExpansion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The new-experiment form's values become the document the API takes, and back. */
class ExperimentFormTest {

  private final ExperimentFiles files = new ExperimentFiles();

  @Test
  void every_trainer_hyperparameter_is_a_field_with_its_default() {
    assertThat(ExperimentForm.FIELDS)
        .extracting(ExperimentForm.Field::name)
        .contains("learningRate", "batchSize", "optimizer", "hiddenSizes", "lrSchedule", "device");
    assertThat(ExperimentForm.field("optimizer").choices()).contains("sgd", "adam");
    // A new experiment starts from the fast recipe, its training defaults filled in.
    assertThat(ExperimentForm.defaults())
        .containsEntry("config.model", "fast")
        .containsEntry("config.optimizer", "sgd")
        .containsEntry("config.lrSchedule", "one-cycle")
        .containsEntry("config.batchSize", "256")
        .containsEntry("config.epochs", "2");
  }

  @Test
  void small_defaults_are_written_as_a_person_writes_them_not_in_e_notation() {
    // The fast recipe's weight decay is 5e-4: Double.toString would fill in "5.0E-4".
    assertThat(ExperimentForm.defaults())
        .containsEntry("config.weightDecay", "0.0005")
        .containsEntry("config.learningRate", "0.4")
        .containsEntry("config.dropout", "0.0");
  }

  @Test
  void a_grid_of_two_lists_makes_their_product_of_trials() {
    Map<String, String> values = ExperimentForm.defaults();
    values.put("name", "lr-and-batch");
    values.put("config.model", "mlp");
    values.put("config.epochs", "2");
    values.put("config.hiddenSizes", "64, 32");
    values.put("searchType", "grid");
    values.put("search.0.field", "learningRate");
    values.put("search.0.values", "0.1, 0.01, 0.001");
    values.put("search.1.field", "batchSize");
    values.put("search.1.values", "32,64");

    ExperimentSpec spec = files.read(ExperimentForm.document(values), FileFormat.JSON);

    assertThat(TrialExpansion.trialCount(spec)).isEqualTo(6);
    assertThat(TrialExpansion.expand(spec, 256))
        .allSatisfy(
            config -> {
              assertThat(config.epochs()).isEqualTo(2);
              assertThat(config.hiddenSizes()).containsExactly(64, 32);
            })
        .extracting(c -> c.learningRate())
        .containsOnly(0.1, 0.01, 0.001);
  }

  @Test
  void a_tpe_search_with_a_pruner_takes_its_trial_count_from_the_samples_field() {
    Map<String, String> values = ExperimentForm.defaults();
    values.put("name", "tpe");
    values.put("config.validationRatio", "0.1");
    values.put("searchType", "tpe");
    values.put("samples", "12");
    values.put("searchSeed", "4");
    values.put("prunerType", "asha");
    values.put("prunerMetric", "val_accuracy");
    values.put("prunerReductionFactor", "4");
    values.put("prunerBootstrapCount", "2");
    values.put("search.0.field", "learningRate");
    values.put("search.0.kind", "log");
    values.put("search.0.min", "0.0001");
    values.put("search.0.max", "0.01");

    ExperimentSpec spec = files.read(ExperimentForm.document(values), FileFormat.JSON);

    assertThat(spec.search().type()).isEqualTo(dev.digitlab.protocol.experiment.SearchType.TPE);
    assertThat(spec.pruner().minEpochs()).as("blank: the default").isEqualTo(1);
    assertThat(spec.pruner().reductionFactor()).isEqualTo(4);
    assertThat(spec.pruner().bootstrapCount()).isEqualTo(2);
    assertThat(spec.search().tpe().maxTrials()).isEqualTo(12);
    assertThat(spec.search().seed()).isEqualTo(4);
    assertThat(spec.pruner().type())
        .isEqualTo(dev.digitlab.protocol.experiment.PrunerSpec.Type.ASHA);
    // A clone shows the same choices again.
    Map<String, String> again = ExperimentForm.from(files.toJson(spec), "tpe copy");
    assertThat(again)
        .containsEntry("searchType", "tpe")
        .containsEntry("samples", "12")
        .containsEntry("prunerType", "asha")
        .containsEntry("prunerReductionFactor", "4")
        .containsEntry("prunerBootstrapCount", "2");
  }

  @Test
  void a_random_search_takes_ranges_and_a_sample_count() {
    Map<String, String> values = ExperimentForm.defaults();
    values.put("name", "random");
    values.put("searchType", "random");
    values.put("samples", "5");
    values.put("search.0.field", "learningRate");
    values.put("search.0.kind", "log");
    values.put("search.0.min", "0.0001");
    values.put("search.0.max", "0.01");
    values.put("search.1.field", "epochs");
    values.put("search.1.kind", "int");
    values.put("search.1.min", "1");
    values.put("search.1.max", "3");

    ExperimentSpec spec = files.read(ExperimentForm.document(values), FileFormat.JSON);

    assertThat(TrialExpansion.expand(spec, 256))
        .hasSize(5)
        .allSatisfy(
            config -> {
              assertThat(config.learningRate()).isBetween(0.0001, 0.01);
              assertThat(config.epochs()).isBetween(1, 3);
            });
  }

  @Test
  void the_readers_errors_are_keyed_to_the_fields_they_are_about() {
    Map<String, String> values = ExperimentForm.defaults();
    values.put("name", "");
    values.put("config.weightDecay", "-1");
    values.put("config.epochs", "two");
    values.put("searchType", "grid");
    values.put("search.2.field", "batchSize");
    values.put("search.2.values", "32, x");

    InvalidExperimentException refused =
        catchThrowableOfType(
            InvalidExperimentException.class,
            () -> files.read(ExperimentForm.document(values), FileFormat.JSON));
    Map<String, String> errors = ExperimentForm.errorsByField(refused.errors(), values);

    assertThat(errors).containsKeys("name", "config.weightDecay", "config.epochs", "search.2");
    assertThat(errors.get("config.epochs")).contains("whole number");
  }

  @Test
  void a_bad_tpe_budget_and_a_val_pruner_without_a_split_are_keyed_to_their_fields() {
    Map<String, String> values = ExperimentForm.defaults();
    values.put("name", "tpe");
    values.put("searchType", "tpe");
    values.put("samples", "0");
    values.put("prunerType", "median");
    values.put("prunerMetric", "val_accuracy");
    values.put("search.0.field", "learningRate");
    values.put("search.0.kind", "log");
    values.put("search.0.min", "0.0001");
    values.put("search.0.max", "0.01");

    InvalidExperimentException refused =
        catchThrowableOfType(
            InvalidExperimentException.class,
            () -> files.read(ExperimentForm.document(values), FileFormat.JSON));
    Map<String, String> errors = ExperimentForm.errorsByField(refused.errors(), values);

    // The keys the form's template shows beside the trials field and the pruner's metric.
    assertThat(errors).containsKeys("search.maxTrials", "pruner.metric");
    assertThat(errors.get("pruner.metric")).contains("validationRatio");
  }

  @Test
  void a_stored_spec_fills_the_form_and_the_form_makes_the_same_trials() throws Exception {
    ExperimentSpec stored =
        files.read(
            Files.readString(Path.of("..", "examples", "random-search.yaml")), FileFormat.AUTO);
    Map<String, String> values =
        ExperimentForm.from(files.toTree(stored).toString(), stored.name());

    ExperimentSpec again = files.read(ExperimentForm.document(values), FileFormat.JSON);

    assertThat(values).containsEntry("searchType", "random").containsEntry("samples", "8");
    assertThat(TrialExpansion.expand(again, 256)).isEqualTo(TrialExpansion.expand(stored, 256));
    assertThat(again.objective()).isEqualTo(stored.objective());
    assertThat(again.tags()).isEqualTo(stored.tags());
  }
}
