package dev.digitlab.cli;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code digitlab data}: fetch datasets and show where they are kept. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Fetch datasets and show where they are kept.",
    subcommands = {DataCommand.Fetch.class, DataCommand.Where.class})
final class DataCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code digitlab data fetch}: download and verify a dataset's four files. */
  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description = {
        "Download and verify a dataset's four IDX files; files already verified are kept.",
        "Commands that need a dataset fetch it on first use; this does it ahead of time."
      })
  static final class Fetch implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin HomeOption home;

    @Option(
        names = "--dataset",
        paramLabel = "NAME",
        defaultValue = "mnist",
        converter = DatasetIdConverter.class,
        description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
    DatasetId dataset;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description = "Put the files in DIR instead of <home>/datasets/<dataset>.")
    Path dir;

    @Override
    public void run() {
      PrintWriter out = spec.commandLine().getOut();
      DatasetFetcher fetcher = DatasetFetcher.create(new FetchProgress(out));
      FetchResult result =
          dir == null
              ? new DatasetStore(home.dataHome().path(), fetcher).fetch(dataset)
              : fetcher.fetch(dataset.spec(), dir);
      out.println(dataset + " is ready in " + result.directory());
      out.flush();
    }
  }

  /** {@code digitlab data path}: print where a dataset is kept, without fetching it. */
  @Command(
      name = "path",
      mixinStandardHelpOptions = true,
      description = "Print the directory a dataset is kept in (it may not exist yet).")
  static final class Where implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin HomeOption home;

    @Option(
        names = "--dataset",
        paramLabel = "NAME",
        defaultValue = "mnist",
        converter = DatasetIdConverter.class,
        description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
    DatasetId dataset;

    @Override
    public void run() {
      spec.commandLine().getOut().println(DatasetStore.directory(home.dataHome().path(), dataset));
    }
  }
}
