package dev.digitlab.protocol.experiment;

import java.util.List;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/** The values a searched hyperparameter may take: listed values, or a numeric range to sample. */
public sealed interface ParameterDomain {

  /**
   * Listed values, tried in order by a grid and drawn uniformly by a random search. Values are JSON
   * as the config field takes them ({@code 0.01}, {@code "adam"}, {@code [256, 128]}).
   */
  record Choice(List<JsonNode> values) implements ParameterDomain {
    public Choice {
      values = List.copyOf(values);
    }
  }

  /** Real numbers between min and max, drawn uniformly or log-uniformly (random search only). */
  record DoubleRange(double min, double max, Scale scale) implements ParameterDomain {
    public DoubleRange {
      Objects.requireNonNull(scale, "scale");
    }
  }

  /** Whole numbers from min to max inclusive, drawn uniformly or log-uniformly (random only). */
  record IntRange(long min, long max, Scale scale) implements ParameterDomain {
    public IntRange {
      Objects.requireNonNull(scale, "scale");
    }
  }
}
