package dev.digitlab.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --home} option, mixed into every command that reads or writes the data home. */
final class HomeOption {

  @Option(
      names = "--home",
      paramLabel = "DIR",
      description = "Data home (default: $DIGITLAB_HOME, else ~/.digitlab).")
  Path home;

  DataHome dataHome() {
    return DataHome.resolve(home);
  }
}
