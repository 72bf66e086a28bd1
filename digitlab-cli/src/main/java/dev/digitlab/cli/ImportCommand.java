package dev.digitlab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab import FILE.tar.gz}. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Store an exported experiment on this server as a new experiment (new ids), all or"
            + " nothing; its registered models become new versions of the same names. A file"
            + " imported before, a re-export of an experiment imported here, or an export of an"
            + " experiment that still lives on this server is refused, naming that experiment;"
            + " --copy stores it anyway. Files of the first format (.json.gz) are read too.")
class ImportCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "FILE", description = "The file 'digitlab export' wrote.")
  Path file;

  @Option(
      names = "--copy",
      description =
          "Store the file as a new copy even when it is already here (else refused, naming it).")
  boolean copy;

  /** The API collection to import into; {@code pipeline import} says pipelines. */
  String collection() {
    return "/api/v1/experiments";
  }

  /** What the thing is called in messages. */
  String noun() {
    return "experiment";
  }

  @Override
  public Integer call() {
    byte[] bytes = Uploads.read(spec.commandLine(), file);
    JsonNode created =
        server
            .client()
            .post(collection() + "/import" + (copy ? "?copy=true" : ""), bytes, "application/gzip");
    // The id alone on stdout, as 'submit' prints it, so that scripts can use it.
    spec.commandLine().getOut().println(created.path("id").asLong());
    spec.commandLine()
        .getErr()
        .printf("Imported %s as %s %d%n", file, noun(), created.path("id").asLong());
    return 0;
  }
}
