package dev.digitlab.protocol.experiment;

import dev.digitlab.protocol.experiment.ParameterDomain.Choice;
import dev.digitlab.protocol.experiment.ParameterDomain.DoubleRange;
import dev.digitlab.protocol.experiment.ParameterDomain.IntRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One searched hyperparameter: a {@code TrainingConfig} field (camelCase) and its domain. */
public record SearchParameter(String field, ParameterDomain domain) {

  public SearchParameter {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(domain, "domain");
  }

  /** The path of this parameter in an experiment document. */
  public String path() {
    return "search.parameters." + field;
  }

  /**
   * The rules this parameter breaks on its own, whatever the base config: a known field, a
   * non-empty list, a sane range. Whether each value suits the field is checked at expansion.
   */
  public List<FieldError> violations(SearchType type) {
    return violations(type, false);
  }

  /**
   * As {@link #violations(SearchType)}; a {@code command} experiment's parameters are its
   * program's, named freely (their names are checked with the command), so only the domain's shape
   * is checked here.
   */
  public List<FieldError> violations(SearchType type, boolean command) {
    List<FieldError> errors = new ArrayList<>();
    if (command) {
      switch (domain) {
        case Choice choice -> {
          if (choice.values().isEmpty()) {
            errors.add(new FieldError(path(), "must list at least one value"));
          }
        }
        case DoubleRange range -> {
          rangeOnlyInRandom(type, errors);
          if (!Double.isFinite(range.min())) {
            errors.add(new FieldError(path() + ".min", "must be a finite number"));
          } else if (!Double.isFinite(range.max())) {
            errors.add(new FieldError(path() + ".max", "must be a finite number"));
          } else {
            bounds(range.min(), range.max(), range.scale(), errors);
          }
        }
        case IntRange range -> {
          rangeOnlyInRandom(type, errors);
          bounds(range.min(), range.max(), range.scale(), errors);
        }
      }
      return errors;
    }
    ConfigFields.Field known = ConfigFields.field(field);
    if (known == null) {
      errors.add(
          new FieldError(
              path(),
              "unknown field '"
                  + field
                  + "' at search.parameters"
                  + ClosestName.hint(field, ConfigFields.names())));
      return errors;
    }
    if (field.equals("dataset")) {
      errors.add(
          new FieldError(
              path(),
              "the dataset is the experiment's, not a hyperparameter; submit one experiment per"
                  + " dataset"));
      return errors;
    }
    switch (domain) {
      case Choice choice -> {
        if (choice.values().isEmpty()) {
          errors.add(new FieldError(path(), "must list at least one value"));
        }
      }
      case DoubleRange range -> {
        rangeOnlyInRandom(type, errors);
        if (known.kind() == ConfigFields.Kind.INTEGER) {
          errors.add(
              new FieldError(
                  path(), "takes whole numbers: give the range 'type: int', or list the values"));
        } else if (known.kind() != ConfigFields.Kind.NUMBER) {
          notNumeric(known, errors);
        }
        if (!Double.isFinite(range.min())) {
          errors.add(new FieldError(path() + ".min", "must be a finite number"));
        } else if (!Double.isFinite(range.max())) {
          errors.add(new FieldError(path() + ".max", "must be a finite number"));
        } else {
          bounds(range.min(), range.max(), range.scale(), errors);
        }
      }
      case IntRange range -> {
        rangeOnlyInRandom(type, errors);
        if (known.kind() != ConfigFields.Kind.INTEGER && known.kind() != ConfigFields.Kind.NUMBER) {
          notNumeric(known, errors);
        }
        bounds(range.min(), range.max(), range.scale(), errors);
      }
    }
    return errors;
  }

  private void rangeOnlyInRandom(SearchType type, List<FieldError> errors) {
    if (type == SearchType.GRID) {
      errors.add(
          new FieldError(
              path(), "a grid needs a list of values; ranges {min, max} are for random search"));
    }
  }

  private void notNumeric(ConfigFields.Field known, List<FieldError> errors) {
    errors.add(
        new FieldError(
            path(),
            "a range needs a numeric field, but "
                + field
                + " takes "
                + known.expected()
                + "; list the values instead"));
  }

  private void bounds(double min, double max, Scale scale, List<FieldError> errors) {
    if (min > max) {
      errors.add(
          new FieldError(
              path() + ".min", "must be ≤ max (" + number(max) + "), got " + number(min)));
    } else if (scale == Scale.LOG && min <= 0) {
      errors.add(
          new FieldError(path() + ".min", "must be > 0 for a log scale, got " + number(min)));
    }
  }

  /** As typed: {@code 0.0001}, not {@code 1.0E-4}. */
  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
