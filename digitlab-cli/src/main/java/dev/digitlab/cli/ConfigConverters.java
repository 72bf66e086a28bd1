package dev.digitlab.cli;

import dev.digitlab.ml.train.DeviceChoice;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.OptimizerKind;
import dev.digitlab.ml.train.ScheduleKind;
import picocli.CommandLine.ITypeConverter;

/** Option converters that accept the config names (e.g. {@code one-cycle}) the API uses. */
final class ConfigConverters {

  private ConfigConverters() {}

  static final class Model implements ITypeConverter<ModelKind> {
    @Override
    public ModelKind convert(String value) {
      return ModelKind.parse(value);
    }
  }

  static final class Optimizer implements ITypeConverter<OptimizerKind> {
    @Override
    public OptimizerKind convert(String value) {
      return OptimizerKind.parse(value);
    }
  }

  static final class Schedule implements ITypeConverter<ScheduleKind> {
    @Override
    public ScheduleKind convert(String value) {
      return ScheduleKind.parse(value);
    }
  }

  static final class Device implements ITypeConverter<DeviceChoice> {
    @Override
    public DeviceChoice convert(String value) {
      return DeviceChoice.parse(value);
    }
  }

  static final class ActivationName implements ITypeConverter<dev.digitlab.ml.model.Activation> {
    @Override
    public dev.digitlab.ml.model.Activation convert(String value) {
      return dev.digitlab.ml.model.Activation.parse(value);
    }
  }
}
