package dev.digitlab.cli;

import dev.digitlab.ml.data.DatasetId;
import picocli.CommandLine.ITypeConverter;

/** Accepts dataset names as users type them ({@code fashion-mnist}), not as enum constants. */
final class DatasetIdConverter implements ITypeConverter<DatasetId> {
  @Override
  public DatasetId convert(String value) {
    return DatasetId.byName(value);
  }
}
