package dev.digitlab.worker.command;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A program started in a session and process group of its own ({@code setsid}), so that stopping it
 * stops everything it started: a child it forked, a shell's background jobs. Signals go to the
 * whole group ({@code kill -s SIG -- -PGID}); descendants that left the group are signalled one by
 * one as well.
 */
final class ProcessGroup {

  private static final String SETSID = "/usr/bin/setsid";

  private final Process process;
  private final boolean ownGroup;
  private final RunningPrograms programs;
  private final Optional<Path> record;

  private ProcessGroup(
      Process process, boolean ownGroup, RunningPrograms programs, Optional<Path> record) {
    this.process = process;
    this.ownGroup = ownGroup;
    this.programs = programs;
    this.record = record;
  }

  /** Starts {@code argv} in {@code directory} with exactly {@code environment}. */
  static ProcessGroup start(List<String> argv, Path directory, Map<String, String> environment)
      throws IOException {
    return start(argv, directory, environment, RunningPrograms.none());
  }

  /**
   * Starts {@code argv} as {@link #start(List, Path, Map)} does and records it in {@code programs}
   * (only when it leads a group of its own: a group is what a later worker would kill).
   */
  static ProcessGroup start(
      List<String> argv, Path directory, Map<String, String> environment, RunningPrograms programs)
      throws IOException {
    boolean setsid = Files.isExecutable(Path.of(SETSID));
    List<String> command = new ArrayList<>();
    if (setsid) {
      // The JVM's child is not a group leader, so setsid execs the program in place: its pid is
      // the new group's id. setsid looks the program up on the child's PATH, as a shell would.
      command.add(SETSID);
    }
    command.addAll(argv);
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process = builder.start();
    // setsid execs in place, so the program's pid is its group's id.
    Optional<Path> record =
        setsid ? programs.record(process.pid(), process.pid()) : Optional.empty();
    return new ProcessGroup(process, setsid, programs, record);
  }

  /** Drops the program's record: call once its group was killed and the program waited for. */
  void forget() {
    record.ifPresent(programs::forget);
  }

  Process process() {
    return process;
  }

  long pid() {
    return process.pid();
  }

  /** Sends SIGTERM to the group: the program's chance to stop cleanly. */
  void terminate() {
    signal("TERM");
  }

  /** Sends SIGKILL to the group and every descendant still known. */
  void kill() {
    signal("KILL");
  }

  private void signal(String name) {
    List<ProcessHandle> descendants = process.descendants().toList();
    if (ownGroup) {
      try {
        Process kill =
            new ProcessBuilder("kill", "-s", name, "--", "-" + process.pid())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!kill.waitFor(5, TimeUnit.SECONDS)) {
          kill.destroyForcibly();
        }
      } catch (IOException e) {
        // no kill(1): the handles below still reach the program and its children
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    boolean force = name.equals("KILL");
    for (ProcessHandle child : descendants) {
      if (force) {
        child.destroyForcibly();
      } else {
        child.destroy();
      }
    }
    // Only while it runs: Process.destroy closes its pipes, and an exited program's last lines
    // may still wait there for the readers.
    if (process.isAlive()) {
      if (force) {
        process.destroyForcibly();
      } else {
        process.destroy();
      }
    }
  }
}
