package dev.digitlab.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the jar's version from its manifest. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = DigitLab.class.getPackage().getImplementationVersion();
    return new String[] {"digitlab " + (version == null ? "development build" : version)};
  }
}
