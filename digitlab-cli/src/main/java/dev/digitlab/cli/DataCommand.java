package dev.digitlab.cli;

import dev.digitlab.ml.data.DatasetException;
import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchResult;
import dev.digitlab.ml.data.RegisteredDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code digitlab data}: fetch the built-in datasets and show where they are kept; register your
 * own datasets on a server ({@code add}, {@code ls}, {@code show}, {@code rm}).
 */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Fetch datasets, show where they are kept, and register your own on a server.",
    subcommands = {
      DataCommand.Fetch.class,
      DataCommand.Where.class,
      DataCommand.Add.class,
      DataCommand.ListDatasets.class,
      DataCommand.Show.class,
      DataCommand.Remove.class
    })
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

  /** {@code digitlab data add NAME --dir DIR [--classes N]}: register a dataset on the server. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Register four IDX files of MNIST's format on the server as dataset NAME.",
        "Experiments then name it with 'dataset: NAME'. DIR holds train-images-idx3-ubyte,"
            + " train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte"
            + " (or test-…, or with '.' before idx; each may be .gz). Images must be 28x28;"
            + " labels 0 to N-1."
      })
  static final class Add implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "NAME", description = "The dataset's name: a-z, 0-9 and '-'.")
    String name;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description = "The folder holding the four IDX files.")
    Path dir;

    @Option(
        names = "--classes",
        paramLabel = "N",
        defaultValue = "10",
        description = "How many classes the labels have, 2-10 (default: ${DEFAULT-VALUE}).")
    int classes;

    @Override
    public Integer call() throws IOException {
      if (!Files.isDirectory(dir)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--dir " + dir + " is not a folder");
      }
      // The same search `train --dataset-dir` and the server's checks use: the four files by role.
      List<Path> found;
      try {
        found = RegisteredDataset.filesIn(dir);
      } catch (DatasetException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      // Only the four files travel, packed as CodePacker packs code (a deterministic .tar.gz).
      CodePacker.Packed packed = Uploads.pack(found);
      JsonNode answer =
          server
              .client()
              .post(
                  "/api/v1/datasets?name=" + Uploads.query(name) + "&classes=" + classes,
                  packed.bytes(),
                  "application/gzip");
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "Registered dataset %s: %d training and %d test images, %d classes, sha256 %s%n",
          answer.path("name").asString(),
          answer.path("trainCount").asInt(),
          answer.path("testCount").asInt(),
          answer.path("classes").asInt(),
          answer.path("sha256").asString());
      out.flush();
      return 0;
    }
  }

  /** {@code digitlab data ls [-o json]}: the datasets registered on the server. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "List the datasets registered on the server (the built-in ones are mnist and"
              + " fashion-mnist).")
  static final class ListDatasets implements Callable<Integer> {

    @Mixin ServerOption server;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      JsonNode list = server.client().get("/api/v1/datasets");
      return output.print(
          list,
          out -> {
            String format = "%-24s %-8s %-8s %-8s %s%n";
            out.printf(format, "DATASET", "CLASSES", "TRAIN", "TEST", "SHA256");
            for (JsonNode d : list.path("items")) {
              out.printf(
                  format,
                  d.path("name").asString(),
                  d.path("classes").asInt(),
                  d.path("trainCount").asInt(),
                  d.path("testCount").asInt(),
                  d.path("sha256").asString().substring(0, 12));
            }
          });
    }
  }

  /** {@code digitlab data show NAME}: one registered dataset, as the server has it. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show a registered dataset: counts, classes and each file's SHA-256.")
  static final class Show implements Callable<Integer> {

    @Mixin ServerOption server;

    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      JsonNode d = server.client().get("/api/v1/datasets/" + Uploads.segment(name));
      return output.print(
          d,
          out -> {
            out.printf("Dataset      %s%n", d.path("name").asString());
            out.printf("SHA-256      %s%n", d.path("sha256").asString());
            out.printf("Classes      %d%n", d.path("classes").asInt());
            out.printf("Train images %d%n", d.path("trainCount").asInt());
            out.printf("Test images  %d%n", d.path("testCount").asInt());
            out.printf("Size         %d bytes%n", d.path("sizeBytes").asLong());
            out.printf(
                "Added        %s by %s%n",
                d.path("createdAt").asString(), d.path("createdBy").asString());
            d.path("files")
                .properties()
                .forEach(f -> out.printf("  %-24s %s%n", f.getKey(), f.getValue().asString()));
          });
    }
  }

  /** {@code digitlab data rm NAME}: delete a registered dataset no experiment uses. */
  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description = "Delete a registered dataset; refused while an experiment uses it.")
  static final class Remove implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      server.client().delete("/api/v1/datasets/" + Uploads.segment(name));
      spec.commandLine().getOut().println("Deleted dataset " + name);
      return 0;
    }
  }
}
