package dev.digitlab.worker.command;

import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.StatusChange;
import dev.digitlab.protocol.worker.CommandTask;
import dev.digitlab.worker.run.AttemptEnd;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.EventBatcher;
import dev.digitlab.worker.run.EventBatching;
import dev.digitlab.worker.run.EventDeliveryException;
import dev.digitlab.worker.run.EventSink;
import dev.digitlab.worker.run.FileDigest;
import dev.digitlab.worker.run.RunArtifact;
import dev.digitlab.worker.run.RunOutcome;
import dev.digitlab.worker.run.RunStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt of a command trial and reports it as the trial's numbered events, as {@code
 * TrialRunner} does for a built-in one: the code is fetched (cached by hash) and unpacked into a
 * fresh folder, a packed checkpoint of an earlier attempt restored, and {@link CommandTask#argv()}
 * run in a process group of its own with an environment of only {@code PATH}, {@code LANG}, {@code
 * HOME} (the code folder), {@code DIGITLAB_OUTPUT_DIR}, {@code DIGITLAB_CHECKPOINT_DIR} and the
 * task's variables: nothing of the worker's own environment reaches it.
 *
 * <p>Its standard output and error become log lines as they come; output lines {@code metric
 * NAME=VALUE [step=N]} become metrics. The checkpoint folder is packed and announced as the {@code
 * checkpoint} artifact whenever it changed (polled, and once more at exit), which is the cut point
 * a resumed attempt continues from. A poll cannot know which output lines the folder's state
 * follows; a program that prints {@value #CHECKPOINT_LINE} on a line of its own after writing the
 * folder gets it packed exactly there, and from then on no longer at the polls. Files in the output
 * folder become artifacts of kind {@code output} at the end.
 *
 * <p>A cancel sends SIGTERM to the group, then SIGKILL after the grace period; the timeout does the
 * same and fails the attempt with "timed out after N s"; a non-zero exit fails it with the tail of
 * its standard error. What is thrown instead of reported: {@link InterruptedException} when the
 * worker is shutting down (the program is killed, no final status is sent, a later attempt resumes
 * from the last checkpoint), and {@link EventDeliveryException} when the sink fails.
 */
public final class CommandRunner {

  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  private static final int STDERR_TAIL_LINES = 20;
  private static final int FAILURE_CHARS = 1800;
  private static final Duration TICK = Duration.ofMillis(50);

  /**
   * A stdout line that says "my checkpoint folder is complete now": optional; a program that prints
   * it gets its folder packed exactly there, in the order of its output, instead of at the polls.
   */
  public static final String CHECKPOINT_LINE = "checkpoint";

  /**
   * @param killGrace between SIGTERM and SIGKILL when a run is stopped
   * @param checkpointPoll how often the checkpoint folder is looked at for changes
   * @param path the program's {@code PATH}
   * @param lang the program's {@code LANG}
   */
  public record Settings(
      Duration killGrace,
      Duration checkpointPoll,
      EventBatching batching,
      String path,
      String lang) {

    /** 5 s grace, a look at the checkpoint folder every 2 s, the worker's own PATH and LANG. */
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(5),
          Duration.ofSeconds(2),
          EventBatching.DEFAULTS,
          Objects.requireNonNullElse(System.getenv("PATH"), "/usr/local/bin:/usr/bin:/bin"),
          Objects.requireNonNullElse(System.getenv("LANG"), "C.UTF-8"));
    }

    public Settings {
      Objects.requireNonNull(killGrace, "killGrace");
      Objects.requireNonNull(checkpointPoll, "checkpointPoll");
      Objects.requireNonNull(batching, "batching");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(lang, "lang");
    }
  }

  private final CodeCache code;
  private final Settings settings;
  private final RunningPrograms programs;
  private final Clock clock;

  /**
   * @param programs where each running program is recorded, so that a worker started after this one
   *     was killed can stop what it left running ({@link RunningPrograms#killLeftovers()})
   */
  public CommandRunner(CodeCache code, Settings settings, RunningPrograms programs, Clock clock) {
    this.code = code;
    this.settings = settings;
    this.programs = programs;
    this.clock = clock;
  }

  public CommandRunner(CodeCache code, Settings settings, RunningPrograms programs) {
    this(code, settings, programs, Clock.systemUTC());
  }

  /** A runner that records nothing of its programs: for tests. */
  public CommandRunner(CodeCache code, Settings settings) {
    this(code, settings, RunningPrograms.none(), Clock.systemUTC());
  }

  /**
   * Runs {@code run} to its end, sending its events to {@code sink}.
   *
   * @param fetcher gets the code when this worker has not cached it (the attempt's lease allows it)
   */
  public RunOutcome run(
      CommandRun run, CodeFetcher fetcher, EventSink sink, CancellationToken cancellation)
      throws InterruptedException {
    Attempt attempt = new Attempt(run, fetcher, sink, cancellation);
    return attempt.run();
  }

  /** The environment a command runs with, and nothing else. */
  Map<String, String> environment(CommandRun run) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", settings.path());
    env.put("LANG", settings.lang());
    env.putAll(run.task().environment());
    env.put("HOME", run.codeDir().toAbsolutePath().toString());
    env.put("DIGITLAB_OUTPUT_DIR", run.outputDir().toAbsolutePath().toString());
    env.put("DIGITLAB_CHECKPOINT_DIR", run.checkpointDir().toAbsolutePath().toString());
    return env;
  }

  /** One attempt's state: the events go through one lock, from the readers and the supervisor. */
  private final class Attempt {

    private final CommandRun run;
    private final CodeFetcher fetcher;
    private final CancellationToken cancellation;
    private final EventBatcher events;
    private final Object lock = new Object();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Map<String, Long> nextStep = new HashMap<>();
    private final Map<String, Path> artifacts = new LinkedHashMap<>();
    private volatile RuntimeException deliveryFailure;
    private volatile boolean checkpointLines;
    private CheckpointFolder checkpoint;
    private int checkpoints;

    Attempt(CommandRun run, CodeFetcher fetcher, EventSink sink, CancellationToken cancellation) {
      this.run = run;
      this.fetcher = fetcher;
      this.cancellation = cancellation;
      this.events = new EventBatcher(sink, run.firstSeq(), clock, settings.batching());
      this.checkpoints = run.resumeCount();
    }

    RunOutcome run() throws InterruptedException {
      try {
        String start = "attempt " + run.attempt();
        if (run.resumeCheckpoint() != null) {
          start += ", resumed from checkpoint " + run.resumeCount();
        }
        add(new StatusChange(StatusChange.RUNNING, start), true);
        Files.createDirectories(run.workDir());
        prepare(run.codeDir());
        prepare(run.outputDir());
        prepare(run.checkpointDir());
        checkpoint =
            new CheckpointFolder(run.checkpointDir(), RunArtifact.CHECKPOINT.in(run.workDir()));
        if (run.task().codeSha256() != null) {
          Tarball.unpack(code.get(run.task().codeSha256(), fetcher), run.codeDir());
        }
        if (run.resumeCheckpoint() != null) {
          checkpoint.restore(run.resumeCheckpoint());
          add(
              LogLine.info(
                  "restored checkpoint " + run.resumeCount() + " into the checkpoint folder"),
              false);
        }
        if (cancellation.isCancelled()) {
          return end(RunStatus.CANCELLED, "cancelled before the program started");
        }
        return supervise(checkpoint);
      } catch (EventBatcher.DeliveryInterrupted | InterruptedException e) {
        throw abandoned();
      } catch (EventDeliveryException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw abandoned();
        }
        String reason = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        LOG.warn("trial {} attempt {} failed: {}", run.trialId(), run.attempt(), reason, e);
        add(LogLine.error(clip(reason)), false);
        return end(RunStatus.FAILED, reason);
      }
    }

    private RunOutcome supervise(CheckpointFolder checkpoint)
        throws IOException, InterruptedException {
      List<String> argv = run.task().argv();
      add(LogLine.info(clip("$ " + String.join(" ", argv))), false);
      ProcessGroup group;
      try {
        group = ProcessGroup.start(argv, run.codeDir(), environment(run), programs);
      } catch (IOException e) {
        String reason = "cannot start '" + argv.getFirst() + "': " + e.getMessage();
        add(LogLine.error(clip(reason)), false);
        return end(RunStatus.FAILED, reason);
      }
      Process process = group.process();
      Thread out = reader("stdout", process.getInputStream(), true);
      Thread err = reader("stderr", process.getErrorStream(), false);
      long started = System.nanoTime();
      long timeout = run.task().timeoutSeconds();
      long nextPoll = started + settings.checkpointPoll().toNanos();
      long nextFlush = started + settings.batching().maxBatchDelay().toNanos();
      String stopReason = null;
      RunStatus stopStatus = null;
      long killAt = Long.MAX_VALUE;
      try {
        while (!process.waitFor(TICK.toMillis(), TimeUnit.MILLISECONDS)) {
          long now = System.nanoTime();
          if (deliveryFailure != null) {
            group.kill();
            throw deliveryFailure;
          }
          if (stopStatus == null && cancellation.isCancelled()) {
            stopStatus = RunStatus.CANCELLED;
            stopReason = "cancelled: the program's process group was sent SIGTERM";
            group.terminate();
            killAt = now + settings.killGrace().toNanos();
          } else if (stopStatus == null
              && timeout > 0
              && now - started >= TimeUnit.SECONDS.toNanos(timeout)) {
            stopStatus = RunStatus.FAILED;
            stopReason = "timed out after " + timeout + " s";
            add(LogLine.error(stopReason + ": stopping the program"), false);
            group.terminate();
            killAt = now + settings.killGrace().toNanos();
          }
          if (now >= killAt) {
            group.kill();
            killAt = Long.MAX_VALUE;
          }
          if (now >= nextPoll) {
            nextPoll = now + settings.checkpointPoll().toNanos();
            if (!checkpointLines) {
              deliverCheckpoint(checkpoint);
            }
          }
          if (now >= nextFlush) {
            nextFlush = now + settings.batching().maxBatchDelay().toNanos();
            synchronized (lock) {
              events.flush();
            }
          }
        }
      } catch (InterruptedException e) {
        // The worker is going away: the program goes with it, and a later attempt resumes.
        group.kill();
        throw e;
      } finally {
        if (process.isAlive()) {
          group.kill();
        }
      }
      // Whatever the program left running in its group would hold the output open.
      group.kill();
      group.forget();
      out.join(Duration.ofSeconds(5).toMillis());
      err.join(Duration.ofSeconds(5).toMillis());
      if (deliveryFailure != null) {
        throw deliveryFailure;
      }
      int exit = process.exitValue();
      deliverCheckpoint(checkpoint);
      if (stopStatus == RunStatus.CANCELLED) {
        return end(RunStatus.CANCELLED, stopReason);
      }
      if (stopStatus == RunStatus.FAILED) {
        return end(RunStatus.FAILED, stopReason);
      }
      collectOutputs();
      if (exit != 0) {
        String tail;
        synchronized (lock) {
          tail = String.join("\n", stderrTail);
        }
        String reason = argv.getFirst() + " exited with status " + exit;
        if (!tail.isBlank()) {
          reason += ": " + lastChars(tail, FAILURE_CHARS);
        }
        return end(RunStatus.FAILED, reason);
      }
      return end(RunStatus.SUCCEEDED, "");
    }

    /** Streams one of the program's outputs as log lines (and, for stdout, metrics). */
    private Thread reader(String name, InputStream stream, boolean stdout) {
      return Thread.ofPlatform()
          .daemon()
          .name("trial-" + run.trialId() + "-" + name)
          .start(
              () -> {
                try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = lines.readLine()) != null) {
                    if (stdout) {
                      stdoutLine(line);
                    } else {
                      stderrLine(line);
                    }
                  }
                } catch (IOException e) {
                  // the program was killed and its output closed: nothing more to read
                } catch (RuntimeException e) {
                  deliveryFailure = e;
                }
              });
    }

    private void stdoutLine(String line) {
      synchronized (lock) {
        if (CHECKPOINT_LINE.equals(line.strip())) {
          // The program says its checkpoint folder is whole now: packed in output order, so the
          // cut point is exact, and the poll (which cannot know) leaves the folder to these lines.
          checkpointLines = true;
          try {
            deliverCheckpoint(checkpoint, true);
          } catch (IOException e) {
            events.add(
                new LogLine(
                    LogLine.WARN, "could not pack the checkpoint folder: " + e.getMessage()));
          }
          return;
        }
        events.add(LogLine.info(clip(line)));
        MetricLine.parse(line).ifPresent(this::metric);
      }
    }

    private void stderrLine(String line) {
      synchronized (lock) {
        events.add(new LogLine(LogLine.WARN, clip(line)));
        stderrTail.addLast(line);
        while (stderrTail.size() > STDERR_TAIL_LINES) {
          stderrTail.removeFirst();
        }
      }
    }

    /** Called under the lock. */
    private void metric(MetricLine line) {
      String key =
          MetricPoint.isKey(line.name()) ? line.name() : line.name().toLowerCase(Locale.ROOT);
      if (!MetricPoint.isKey(key)) {
        events.add(
            new LogLine(
                LogLine.WARN,
                "metric '" + line.name() + "' ignored: a name must match " + MetricPoint.KEY));
        return;
      }
      long step = line.step() != null ? line.step() : nextStep.getOrDefault(key, 0L);
      nextStep.put(key, step + 1);
      events.add(new MetricPoint(key, line.value(), step, 0));
    }

    private void deliverCheckpoint(CheckpointFolder checkpoint) throws IOException {
      deliverCheckpoint(checkpoint, false);
    }

    private void deliverCheckpoint(CheckpointFolder checkpoint, boolean force) throws IOException {
      synchronized (lock) {
        if (!(force ? checkpoint.packNow() : checkpoint.packIfChanged())) {
          return;
        }
        checkpoints++;
        artifacts.put(RunArtifact.CHECKPOINT.artifactName(), checkpoint.packed());
        // After every line read so far: the cut point a resumed attempt continues from.
        events.addAndFlush(
            FileDigest.describe(
                RunArtifact.CHECKPOINT.artifactName(),
                RunArtifact.CHECKPOINT.kind(),
                checkpoint.packed()));
      }
    }

    /** Files the program left in its output folder become artifacts of kind {@code output}. */
    private void collectOutputs() throws IOException {
      Path folder = run.outputDir();
      List<Path> files;
      try (Stream<Path> walk = Files.walk(folder)) {
        files =
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
      }
      for (Path file : files) {
        String name = OutputNames.of(folder.relativize(file).toString(), artifacts.keySet());
        Path target = RunArtifact.output(run.workDir(), name);
        if (!target.equals(file)) {
          Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        artifacts.put(name, target);
        add(FileDigest.describe(name, RunArtifact.OUTPUT_KIND, target), false);
      }
    }

    private void add(dev.digitlab.protocol.event.EventPayload payload, boolean flush) {
      synchronized (lock) {
        if (flush) {
          events.addAndFlush(payload);
        } else {
          events.add(payload);
        }
      }
    }

    private RunOutcome end(RunStatus status, String reason) {
      synchronized (lock) {
        return AttemptEnd.report(
            run.trialId(), run.attempt(), run.firstSeq(), events, status, reason, null, artifacts);
      }
    }

    private InterruptedException abandoned() {
      synchronized (lock) {
        return AttemptEnd.abandoned(run.trialId(), run.attempt(), events);
      }
    }

    private void prepare(Path folder) throws IOException {
      Files.createDirectories(folder);
    }
  }

  private static String lastChars(String text, int max) {
    return text.length() <= max ? text : "…" + text.substring(text.length() - max);
  }

  private static String clip(String text) {
    return AttemptEnd.clip(text);
  }
}
