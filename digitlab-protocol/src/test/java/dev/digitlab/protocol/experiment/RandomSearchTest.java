package dev.digitlab.protocol.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.train.TrainingConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class RandomSearchTest {

  static final String RANDOM =
      """
      name: random
      config: {model: mlp, epochs: 1}
      search:
        type: random
        samples: 50
        seed: 7
        parameters:
          learningRate: {min: 1.0e-4, max: 1.0e-2, scale: log}
          batchSize: [32, 64, 128]
          dropout: {min: 0, max: 0.5}
          epochs: {min: 1, max: 3, type: int}
      """;

  private final ExperimentFiles files = new ExperimentFiles();

  private List<TrainingConfig> trials(String yaml) {
    return TrialExpansion.expand(files.read(yaml, FileFormat.YAML), 256);
  }

  @Test
  void the_same_seed_draws_the_same_trials() {
    assertThat(trials(RANDOM)).hasSize(50).isEqualTo(trials(RANDOM));
  }

  @Test
  void another_seed_draws_other_trials() {
    assertThat(trials(RANDOM.replace("seed: 7", "seed: 8"))).isNotEqualTo(trials(RANDOM));
  }

  @Test
  void draws_stay_within_their_ranges_and_cover_them() {
    List<TrainingConfig> trials = trials(RANDOM);

    assertThat(trials)
        .extracting(TrainingConfig::learningRate)
        .allSatisfy(lr -> assertThat(lr).isBetween(1e-4, 1e-2));
    assertThat(trials)
        .extracting(TrainingConfig::dropout)
        .allSatisfy(d -> assertThat(d).isBetween(0.0, 0.5));
    assertThat(trials)
        .extracting(TrainingConfig::batchSize)
        .containsOnly(32, 64, 128)
        .contains(32, 64, 128);
    assertThat(trials).extracting(TrainingConfig::epochs).containsOnly(1, 2, 3).contains(1, 3);
  }

  @Test
  void log_uniform_draws_spread_evenly_over_the_decades() {
    List<TrainingConfig> trials = trials(RANDOM.replace("samples: 50", "samples: 200"));

    // Half of a log-uniform draw over 1e-4..1e-2 falls below 1e-3; a linear draw would put 9%.
    long belowMiddleDecade = trials.stream().filter(t -> t.learningRate() < 1e-3).count();
    assertThat(belowMiddleDecade).isBetween(70L, 130L);
  }

  @Test
  void a_random_search_over_the_cap_is_refused() {
    assertThat(
            ExperimentFilesTest.messages(
                () -> files.read(RANDOM.replace("samples: 50", "samples: 300"), FileFormat.YAML)))
        .containsExactly(
            "search: search expands to 300 trials; the cap is 256 (set"
                + " digitlab.experiments.max-trials to raise it)");
  }
}
