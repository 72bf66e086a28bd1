package dev.digitlab.protocol.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

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
  void a_seed_draws_the_trials_optunas_random_sampler_suggests_for_it() throws IOException {
    // The RandomSampler(seed=0 and 7) studies of optuna/suggestions.json (Branin, Hartmann-6 and
    // mixed5: log and linear floats, log and linear whole numbers, a list of 4), 40 trials each,
    // submitted as a program's random search over the same space with the same seed.
    JsonNode reference;
    try (InputStream in = getClass().getResourceAsStream("/optuna/suggestions.json")) {
      reference = Json.mapper().readTree(in);
    }
    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    for (JsonNode study : reference.get("studies")) {
      if (!study.get("sampler").asString().equals("random")) {
        continue;
      }
      JsonNode trials = study.get("trials");
      List<ObjectNode> ours =
          TrialExpansion.parameterTrials(
              files.read(
                  randomSearchOver(study.get("space"), trials.size(), study.get("seed").asLong()),
                  FileFormat.JSON),
              256);
      for (int t = 0; t < trials.size(); t++) {
        for (var param : trials.get(t).get("params").properties()) {
          double expected = param.getValue().asDouble();
          double value = ours.get(t).get(param.getKey()).asDouble();
          boolean floatRange =
              study.get("space").get(param.getKey()).get("type").asString().equals("float");
          compared++;
          if (floatRange
              ? Math.abs(value - expected) > 1e-9 * Math.abs(expected)
              : value != expected) {
            mismatches.add(
                study.get("function").asString()
                    + " seed "
                    + study.get("seed")
                    + " trial "
                    + t
                    + " "
                    + param.getKey()
                    + ": ours "
                    + value
                    + ", Optuna's "
                    + expected);
          }
        }
      }
    }
    assertThat(compared).isEqualTo(2 * 40 * (2 + 6 + 5));
    assertThat(mismatches).isEmpty();
  }

  /**
   * A program's random search over a space as optuna/suggestions.json describes it; a categorical
   * of k choices is the list 0..k-1, so that a choice's value is Optuna's index of it.
   */
  private static String randomSearchOver(JsonNode space, int samples, long seed) {
    ObjectNode spec = Json.mapper().createObjectNode();
    spec.put("name", "optuna-random");
    spec.putArray("command").add("prog");
    spec.putObject("objective").put("metric", "value").put("goal", "min");
    ObjectNode search = spec.putObject("search");
    search.put("type", "random").put("samples", samples).put("seed", seed);
    ObjectNode parameters = search.putObject("parameters");
    for (var entry : space.properties()) {
      JsonNode d = entry.getValue();
      switch (d.get("type").asString()) {
        case "categorical" -> {
          var choices = parameters.putArray(entry.getKey());
          for (int i = 0; i < d.get("size").asInt(); i++) {
            choices.add(i);
          }
        }
        case "float" -> {
          ObjectNode range = parameters.putObject(entry.getKey());
          range.put("min", d.get("low").asDouble()).put("max", d.get("high").asDouble());
          if (d.get("log").asBoolean()) {
            range.put("scale", "log");
          }
        }
        default -> {
          ObjectNode range = parameters.putObject(entry.getKey());
          range.put("min", d.get("low").asLong()).put("max", d.get("high").asLong());
          range.put("type", "int");
          if (d.get("log").asBoolean()) {
            range.put("scale", "log");
          }
        }
      }
    }
    return spec.toString();
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
