package dev.digitlab.cli;

import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

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
    ApiClient client = server.client();
    JsonNode experiment =
        withUploadedCode(document, client)
            .map(json -> client.post("/api/v1/experiments", json, "application/json"))
            .orElseGet(
                () -> client.post("/api/v1/experiments", document.text(), document.contentType()));
    spec.commandLine().getOut().println(experiment.path("id").asLong());
    spec.commandLine()
        .getErr()
        .println(
            "Submitted '"
                + experiment.path("name").asString()
                + "': "
                + experiment.path("trialCounts").path("total").asInt()
                + " trial(s) queued. See it with: digitlab show"
                + ServerOption.optionUnlessDefault(server.url().toString())
                + " "
                + experiment.path("id").asLong());
    return 0;
  }

  /**
   * For a command experiment whose {@code code:} names a folder (relative to the file): packs it,
   * uploads it (the server keeps one copy per content) and returns the document as JSON naming the
   * code by its hash. Empty for any other document, which is sent as it is.
   */
  private Optional<String> withUploadedCode(DocumentFile document, ApiClient client) {
    FileFormat format = FileFormat.fromFileName(file.getFileName().toString());
    JsonNode tree;
    try {
      tree = new ExperimentFiles().readTree(document.text(), format);
    } catch (InvalidExperimentException e) {
      return Optional.empty(); // the server reports what is wrong with it, field by field
    }
    JsonNode code = tree.get("code");
    if (!(tree instanceof ObjectNode object)
        || code == null
        || !code.isString()
        || CommandSpec.CODE_HASH.matcher(code.asString()).matches()) {
      return Optional.empty();
    }
    Path base = file.toAbsolutePath().getParent();
    Path folder = base.resolve(code.asString()).normalize();
    object.put("code", CodeUpload.upload(folder, client, spec.commandLine().getErr()));
    return Optional.of(object.toString());
  }
}
