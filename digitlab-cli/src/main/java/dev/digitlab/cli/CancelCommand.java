package dev.digitlab.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab cancel ID}: cancels an experiment's queued and running trials. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description =
        "Cancel an experiment: queued trials at once, running ones at their next heartbeat.")
final class CancelCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "ID", description = "The experiment's id.")
  long id;

  @Override
  public Integer call() {
    JsonNode e = server.client().post("/api/v1/experiments/" + id + "/cancel");
    JsonNode counts = e.path("trialCounts");
    spec.commandLine()
        .getOut()
        .println(
            "Cancelled experiment "
                + id
                + " ("
                + e.path("name").asString()
                + "): "
                + counts.path("cancelled").asInt()
                + " trial(s) cancelled, "
                + counts.path("running").asInt()
                + " running trial(s) asked to stop.");
    return 0;
  }
}
