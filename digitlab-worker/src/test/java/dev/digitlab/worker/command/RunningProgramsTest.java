package dev.digitlab.worker.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes: a "worker" (a real process standing in for the worker's JVM) records the program
 * it starts, is SIGKILLed, and the next worker on the same folder kills what it left running, and
 * nothing that is not really ours.
 */
class RunningProgramsTest {

  /**
   * How long a process may take to write a pid, exit or be gone. Every wait ends as soon as it is
   * done; the limit only decides when a broken kill fails the test, so it is long enough that a
   * loaded machine, slow to run a process, does not fail it (it was 5 and 10 s).
   */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path temp;
  private final List<Process> started = new ArrayList<>();
  private final List<Long> pids = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    started.forEach(Process::destroyForcibly);
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private Process sleeper() throws IOException {
    Process process = new ProcessBuilder("sleep", "300").start();
    started.add(process);
    return process;
  }

  /** A program that forks a child into its group and writes the child's pid. */
  private ProcessGroup program(RunningPrograms programs) throws Exception {
    Path dir = Files.createDirectories(temp.resolve("code"));
    ProcessGroup group =
        ProcessGroup.start(
            List.of("sh", "-c", "sleep 300 & echo $! > child.pid; wait"),
            dir,
            Map.of("PATH", "/usr/bin:/bin"),
            programs);
    started.add(group.process());
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!(Files.exists(dir.resolve("child.pid"))
        && !Files.readString(dir.resolve("child.pid")).isBlank())) {
      assertThat(System.nanoTime()).as("the program writes its child's pid").isLessThan(deadline);
      Thread.sleep(20);
    }
    pids.add(Long.parseLong(Files.readString(dir.resolve("child.pid")).strip()));
    return group;
  }

  private long child() {
    return pids.getLast();
  }

  private static boolean gone(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      if (RunningPrograms.stat(pid).isEmpty()) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static void sigkill(Process process) throws Exception {
    new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor();
    assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void a_killed_workers_program_and_its_child_are_killed_by_the_next_worker() throws Exception {
    Path folder = temp.resolve("programs");
    Process worker = sleeper();
    ProcessGroup group = program(new RunningPrograms(folder, worker.pid()));
    assertThat(folder).isDirectoryContaining("glob:**/" + group.pid() + ".pid");

    sigkill(worker);
    assertThat(group.process().isAlive()).as("nothing stopped the program yet").isTrue();
    assertThat(RunningPrograms.stat(child())).isPresent();

    List<Long> killed = new RunningPrograms(folder).killLeftovers();

    assertThat(killed).contains(group.pid(), child());
    assertThat(group.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(gone(child())).as("the forked child is gone too").isTrue();
    assertThat(folder).isEmptyDirectory();
  }

  @Test
  void the_child_is_killed_when_the_program_itself_already_ended() throws Exception {
    Path folder = temp.resolve("programs");
    Process worker = sleeper();
    ProcessGroup group = program(new RunningPrograms(folder, worker.pid()));
    sigkill(worker);
    // Only the leader dies: its child stays in the group, which Linux keeps while it has members.
    new ProcessBuilder("kill", "-KILL", Long.toString(group.pid())).start().waitFor();
    assertThat(group.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(RunningPrograms.stat(child())).isPresent();

    assertThat(new RunningPrograms(folder).killLeftovers()).containsExactly(child());
    assertThat(gone(child())).isTrue();
  }

  @Test
  void a_live_workers_programs_are_left_alone() throws Exception {
    Path folder = temp.resolve("programs");
    Process worker = sleeper();
    ProcessGroup group = program(new RunningPrograms(folder, worker.pid()));

    assertThat(new RunningPrograms(folder).killLeftovers()).isEmpty();

    assertThat(group.process().isAlive()).isTrue();
    assertThat(RunningPrograms.stat(child())).isPresent();
    assertThat(folder).isDirectoryContaining("glob:**/" + group.pid() + ".pid");
  }

  @Test
  void a_pid_now_used_by_another_program_is_not_killed() throws Exception {
    Path folder = Files.createDirectories(temp.resolve("programs"));
    Process worker = sleeper();
    Process stranger = sleeper();
    long start = RunningPrograms.stat(stranger.pid()).orElseThrow().start();
    // A record of a program that had this pid once, started at another time: the pid was reused.
    Files.writeString(
        folder.resolve(stranger.pid() + ".pid"),
        new RunningPrograms.Entry(worker.pid(), 1, stranger.pid(), stranger.pid(), start - 1)
            .text());
    sigkill(worker);

    assertThat(new RunningPrograms(folder).killLeftovers()).isEmpty();

    assertThat(stranger.isAlive()).isTrue();
    assertThat(folder).as("the stale record is dropped").isEmptyDirectory();
  }

  @Test
  void a_finished_program_leaves_no_record() throws Exception {
    Path folder = temp.resolve("programs");
    ProcessGroup group =
        ProcessGroup.start(
            List.of("true"), temp, Map.of("PATH", "/usr/bin:/bin"), new RunningPrograms(folder));
    assertThat(folder).isDirectoryContaining("glob:**/" + group.pid() + ".pid");
    assertThat(group.process().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    group.kill();
    group.forget();
    assertThat(folder).isEmptyDirectory();
  }
}
