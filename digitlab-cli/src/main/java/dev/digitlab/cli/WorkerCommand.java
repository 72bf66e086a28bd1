package dev.digitlab.cli;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.worker.command.CodeCache;
import dev.digitlab.worker.command.CommandRunner;
import dev.digitlab.worker.command.RunningPrograms;
import dev.digitlab.worker.remote.DatasetCache;
import dev.digitlab.worker.remote.RemoteWorker;
import dev.digitlab.worker.remote.WorkerClient;
import dev.digitlab.worker.run.DatasetSource;
import dev.digitlab.worker.run.TrainingThreads;
import dev.digitlab.worker.run.TrialRunner;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code digitlab worker}: runs trials for a Digit Lab server, on this machine. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run trials for a Digit Lab server on this machine, until stopped (Ctrl-C).",
      "It registers, takes trials from the server's queue, trains them here and reports events,"
          + " checkpoints, the model and reports back; a stopped worker's trials are resumed"
          + " elsewhere from their last checkpoint."
    })
final class WorkerCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  // --server and --token (a worker-role token; default $DIGITLAB_TOKEN), as every client command.
  @Mixin ServerOption server;

  @Mixin HomeOption home;

  @Option(
      names = "--slots",
      paramLabel = "N",
      defaultValue = "1",
      description = "Trials run at once (default: 1).")
  int slots;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Name in the server's worker list, unique per worker (default: the host name).")
  String name;

  @Option(
      names = "--capabilities",
      paramLabel = "LIST",
      split = ",",
      defaultValue = "cpu",
      description = "What this worker offers, cpu and/or gpu (default: cpu).")
  List<String> capabilities;

  @Option(
      names = "--allow-commands",
      defaultValue = "${env:DIGITLAB_ALLOW_COMMANDS:-false}",
      description = {
        "Also run command trials: any program an experiment names, as this worker's OS user",
        "(capability 'command'). Off (default): the server never hands this worker one.",
        "Env: DIGITLAB_ALLOW_COMMANDS."
      })
  boolean allowCommands;

  @Option(
      names = "--kill-grace",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description =
          "Seconds between SIGTERM and SIGKILL when a command trial is cancelled or times out"
              + " (default: 5).")
  int killGraceSeconds;

  @Option(
      names = "--events-timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = {
        "Seconds to wait for the server's answer to a batch of events before sending it again;",
        "also the longest an epoch's end waits for it in an experiment with a pruner (default: 30)."
      })
  int eventsTimeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    if (slots < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--slots must be at least 1, got " + slots);
    }
    if (eventsTimeoutSeconds < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--events-timeout must be at least 1 (seconds), got " + eventsTimeoutSeconds);
    }
    List<String> offered =
        capabilities.stream().map(c -> c.trim().toLowerCase(Locale.ROOT)).toList();
    if (!List.of("cpu", "gpu").containsAll(offered)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--capabilities are cpu and/or gpu, got " + capabilities);
    }
    if (killGraceSeconds < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--kill-grace must not be negative, got " + killGraceSeconds);
    }
    // Only once the worker will start: the property is the whole JVM's, and a refused command run
    // in-process (the CLI's tests) would leave it to every later trainer there.
    TrainingThreads.shareCores(slots);
    String host = hostName();
    String workerName = name == null || name.isBlank() ? host : name;
    Path dataHome = home.dataHome().path();
    Path workHome = dataHome.resolve("worker").resolve(workerName);
    CommandRunner commands = null;
    if (allowCommands) {
      offered = new ArrayList<>(offered);
      offered.add(WorkerProtocol.COMMAND_CAPABILITY);
      CommandRunner.Settings defaults = CommandRunner.Settings.defaults();
      // A worker of this name that was killed may have left programs running: stop them first.
      RunningPrograms programs = new RunningPrograms(workHome.resolve("programs"));
      List<Long> killed = programs.killLeftovers();
      if (!killed.isEmpty()) {
        spec.commandLine()
            .getOut()
            .printf(
                "killed %d process(es) of command programs a stopped worker left running: %s%n",
                killed.size(), killed);
      }
      commands =
          new CommandRunner(
              new CodeCache(workHome.resolve("code-cache")),
              new CommandRunner.Settings(
                  Duration.ofSeconds(killGraceSeconds),
                  defaults.checkpointPoll(),
                  defaults.batching(),
                  defaults.path(),
                  defaults.lang()),
              programs);
    }
    TrialRunner runner =
        new TrialRunner(
            DatasetSource.of(
                new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE))));
    URI url = server.url();
    spec.commandLine()
        .getOut()
        .printf(
            "Digit Lab worker %s: taking trials from %s with %d slot(s)%s%n",
            workerName, url, slots, allowCommands ? "; runs command trials as this OS user" : "");
    spec.commandLine().getOut().flush();
    new RemoteWorker(
            new WorkerClient(
                url,
                server.token == null || server.token.isBlank() ? null : server.token.strip(),
                Duration.ofSeconds(eventsTimeoutSeconds)),
            runner,
            commands,
            // Registered datasets beside the built-in ones, by digest: <home>/datasets/<sha256>.
            new DatasetCache(dataHome.resolve("datasets")),
            new RemoteWorker.Settings(workerName, host, slots, offered, workHome))
        .run();
    return 0;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
