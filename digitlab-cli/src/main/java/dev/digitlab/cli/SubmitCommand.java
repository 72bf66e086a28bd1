package dev.digitlab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab submit FILE}: sends an experiment file to the server, prints its id. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Submit an experiment file (YAML or JSON) to the server; its trials are queued.",
      "Prints the new experiment's id on its own line (examples/ holds ready files)."
    })
final class SubmitCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "FILE", description = "The experiment file (.yaml, .yml or .json).")
  Path file;

  @Override
  public Integer call() {
    DocumentFile document = DocumentFile.read(file);
    JsonNode experiment =
        server.client().post("/api/v1/experiments", document.text(), document.contentType());
    spec.commandLine().getOut().println(experiment.path("id").asLong());
    spec.commandLine()
        .getErr()
        .println(
            "Submitted '"
                + experiment.path("name").asString()
                + "': "
                + experiment.path("trialCounts").path("total").asInt()
                + " trial(s) queued. See it with: digitlab show "
                + experiment.path("id").asLong());
    return 0;
  }
}
