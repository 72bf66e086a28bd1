package dev.digitlab.protocol.experiment;

import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ParameterDomain.Choice;
import dev.digitlab.protocol.experiment.ParameterDomain.DoubleRange;
import dev.digitlab.protocol.experiment.ParameterDomain.IntRange;
import dev.digitlab.protocol.search.Distribution;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.DoubleNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Between an experiment's search space and the samplers of {@code dev.digitlab.protocol.search}:
 * the space as sampler distributions, a suggestion as a trial's config, and a stored trial's config
 * back as the values the sampler suggested (so the stored trials are the search's whole state).
 */
public final class TpeTrials {

  private TpeTrials() {}

  /** The parameters as sampler distributions, in file order. */
  public static Map<String, Distribution> space(SearchSpace search) {
    Map<String, Distribution> space = new LinkedHashMap<>();
    for (SearchParameter parameter : search.parameters()) {
      space.put(parameter.field(), distribution(parameter.domain()));
    }
    return space;
  }

  /** One parameter's domain as a sampler distribution (a list: the index of its choice). */
  static Distribution distribution(ParameterDomain domain) {
    return switch (domain) {
      case Choice choice -> new Distribution.Categorical(choice.values().size());
      case DoubleRange range ->
          new Distribution.FloatRange(range.min(), range.max(), range.scale() == Scale.LOG);
      case IntRange range ->
          new Distribution.IntRange(range.min(), range.max(), range.scale() == Scale.LOG);
    };
  }

  /** The config of the trial the sampler suggested: the base config with the values set. */
  public static TrainingConfig config(ExperimentSpec spec, Map<String, Double> values) {
    ObjectNode tree = ConfigFields.tree(spec.config());
    for (SearchParameter parameter : spec.search().parameters()) {
      double value = values.get(parameter.field());
      JsonNode node =
          switch (parameter.domain()) {
            case Choice choice -> canonical(parameter.field(), choice.values().get((int) value));
            case DoubleRange range -> DoubleNode.valueOf(value);
            case IntRange range -> LongNode.valueOf((long) value);
          };
      tree.set(parameter.field(), node);
    }
    return ConfigFields.config(tree);
  }

  /**
   * A command trial's parameter values for what the sampler suggested: the command's base values
   * with the suggested ones set.
   */
  public static ObjectNode parameters(ExperimentSpec spec, Map<String, Double> values) {
    ObjectNode tree = TrialExpansion.parameterBase(spec.command());
    for (SearchParameter parameter : spec.search().parameters()) {
      double value = values.get(parameter.field());
      tree.set(
          parameter.field(),
          switch (parameter.domain()) {
            case Choice choice -> choice.values().get((int) value);
            case DoubleRange range -> DoubleNode.valueOf(value);
            case IntRange range -> LongNode.valueOf((long) value);
          });
    }
    return tree;
  }

  /**
   * The sampler's values of a stored trial, from its config (as {@code ExperimentFiles.configJson}
   * wrote it); a parameter whose value is not in the space is left out.
   */
  public static Map<String, Double> values(SearchSpace search, JsonNode config) {
    Map<String, Double> values = new LinkedHashMap<>();
    for (SearchParameter parameter : search.parameters()) {
      JsonNode node = config.get(parameter.field());
      if (node == null || node.isNull()) {
        continue;
      }
      switch (parameter.domain()) {
        case Choice choice -> {
          JsonNode stored = canonical(parameter.field(), node);
          for (int i = 0; i < choice.values().size(); i++) {
            if (canonical(parameter.field(), choice.values().get(i)).equals(stored)) {
              values.put(parameter.field(), (double) i);
              break;
            }
          }
        }
        case DoubleRange range -> values.put(parameter.field(), node.asDouble());
        case IntRange range -> values.put(parameter.field(), (double) node.asLong());
      }
    }
    return values;
  }

  private static JsonNode canonical(String field, JsonNode raw) {
    if (ConfigFields.field(field) == null) {
      return raw; // a command's parameter: its values are as written
    }
    ConfigFields.FieldValue read = ConfigFields.read(field, raw);
    return read.ok() ? read.value() : raw;
  }
}
