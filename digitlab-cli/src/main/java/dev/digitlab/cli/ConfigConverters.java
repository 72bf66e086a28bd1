package dev.digitlab.cli;

import dev.digitlab.ml.train.ConfigViolation;
import dev.digitlab.ml.train.DeviceChoice;
import dev.digitlab.ml.train.InvalidConfigException;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.OptimizerKind;
import dev.digitlab.ml.train.ScheduleKind;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option converters that accept the config names (e.g. {@code one-cycle}) the API uses. */
final class ConfigConverters {

  private ConfigConverters() {}

  /**
   * The config's own message ("model must be one of mlp, cnn, lenet5, fast, got 'fats'"); any other
   * exception would make picocli print its class name ("cannot convert 'fats' to ModelKind
   * (dev.digitlab.ml.train.InvalidConfigException: invalid training config: …)").
   */
  private static <T> T parse(Function<String, T> parser, String value) {
    try {
      return parser.apply(value);
    } catch (InvalidConfigException e) {
      throw new TypeConversionException(
          e.violations().stream().map(ConfigViolation::toString).collect(Collectors.joining("; ")));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  static final class Model implements ITypeConverter<ModelKind> {
    @Override
    public ModelKind convert(String value) {
      return parse(ModelKind::parse, value);
    }
  }

  static final class Optimizer implements ITypeConverter<OptimizerKind> {
    @Override
    public OptimizerKind convert(String value) {
      return parse(OptimizerKind::parse, value);
    }
  }

  static final class Schedule implements ITypeConverter<ScheduleKind> {
    @Override
    public ScheduleKind convert(String value) {
      return parse(ScheduleKind::parse, value);
    }
  }

  static final class Device implements ITypeConverter<DeviceChoice> {
    @Override
    public DeviceChoice convert(String value) {
      return parse(DeviceChoice::parse, value);
    }
  }

  static final class ActivationName implements ITypeConverter<dev.digitlab.ml.model.Activation> {
    @Override
    public dev.digitlab.ml.model.Activation convert(String value) {
      return parse(dev.digitlab.ml.model.Activation::parse, value);
    }
  }
}
