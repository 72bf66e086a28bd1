package dev.digitlab.server.workers;

import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.worker.command.CodeCache;
import dev.digitlab.worker.command.CommandRun;
import dev.digitlab.worker.command.CommandRunner;
import dev.digitlab.worker.command.RunningPrograms;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.EventSink;
import dev.digitlab.worker.run.RunOutcome;
import java.nio.file.Path;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The embedded worker's command trials: with {@code digitlab server --allow-commands} it claims
 * them (capability {@code command}) and runs them through the worker module's {@link
 * CommandRunner}, as a remote worker does, its code read from this server's store rather than over
 * HTTP. Without the flag it never claims one.
 */
@Component
class EmbeddedCommands {

  private final boolean allowed;
  private final CommandRunner runner;
  private final ExperimentCode code;

  EmbeddedCommands(
      @Value("${digitlab.commands.allowed:false}") boolean allowed,
      @Value("${digitlab.home}") Path home,
      ExperimentCode code) {
    this.allowed = allowed;
    this.code = code;
    RunningPrograms programs = new RunningPrograms(home.resolve("worker").resolve("programs"));
    if (allowed) {
      // A server that was killed may have left its embedded worker's programs running.
      programs.killLeftovers();
    }
    this.runner =
        new CommandRunner(
            new CodeCache(home.resolve("worker").resolve("code-cache")),
            CommandRunner.Settings.defaults(),
            programs);
  }

  /** What the embedded worker claims: {@code cpu}, and {@code command} when allowed. */
  Set<String> capabilities() {
    return allowed ? Set.of("cpu", WorkerProtocol.COMMAND_CAPABILITY) : Set.of("cpu");
  }

  /** Runs the leased command trial in {@code workDir}, restoring {@code resume} if not null. */
  RunOutcome run(
      LeaseGrant lease, Path workDir, Path resume, EventSink sink, CancellationToken cancellation)
      throws InterruptedException {
    if (!allowed) {
      throw new IllegalStateException("this server runs no commands, but claimed one");
    }
    CommandRun run =
        new CommandRun(
            lease.trialId(),
            lease.attempt(),
            lease.command(),
            workDir,
            resume,
            lease.resumeEpoch() == null ? 0 : lease.resumeEpoch(),
            lease.firstSeq());
    return runner.run(
        run, (sha256, target) -> code.copy(sha256, lease.leaseToken(), target), sink, cancellation);
  }
}
