package dev.digitlab.worker.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's record of the command programs it runs, one file a program in its work folder, so that
 * a worker that was itself killed (SIGKILL, an OOM kill) does not leave them running: the next
 * worker started on that folder kills them.
 *
 * <p>Each file holds the owning worker's pid and start time, and the program's pid, process group
 * and start time, the start times read from {@code /proc/PID/stat} (field 22, clock ticks since
 * boot). A leftover is killed only when it is really ours: its owner is dead (so a second worker on
 * the same folder never kills a live one's programs), and either the group's leader still has the
 * recorded start time (a pid reused by another program has another) or the leader is gone and
 * members of its group remain, which Linux allows only while the group still exists, so those
 * members are the program's children. Linux only: without {@code /proc} nothing is recorded.
 */
public final class RunningPrograms {

  private static final Logger LOG = LoggerFactory.getLogger(RunningPrograms.class);
  private static final Path PROC = Path.of("/proc");

  /** What one file says. */
  record Entry(long ownerPid, long ownerStart, long pid, long pgid, long start) {

    String text() {
      return ownerPid + " " + ownerStart + " " + pid + " " + pgid + " " + start + "\n";
    }

    static Optional<Entry> parse(String text) {
      String[] parts = text.strip().split("\\s+");
      if (parts.length != 5) {
        return Optional.empty();
      }
      try {
        return Optional.of(
            new Entry(
                Long.parseLong(parts[0]),
                Long.parseLong(parts[1]),
                Long.parseLong(parts[2]),
                Long.parseLong(parts[3]),
                Long.parseLong(parts[4])));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }

  /** One process as {@code /proc/PID/stat} shows it. */
  record Stat(long pid, long pgid, long start) {}

  private final Path folder;
  private final long selfPid;
  private final long selfStart;

  /** Records in {@code folder} (created when needed) for this JVM. */
  public RunningPrograms(Path folder) {
    this(folder, ProcessHandle.current().pid());
  }

  RunningPrograms(Path folder, long ownerPid) {
    this.folder = folder;
    this.selfPid = ownerPid;
    this.selfStart = stat(ownerPid).map(Stat::start).orElse(-1L);
  }

  /** Records nothing: for a runner without a work folder of its own (tests, other systems). */
  public static RunningPrograms none() {
    return new RunningPrograms(null, ProcessHandle.current().pid());
  }

  /** Writes the record of a program just started in a group of its own; returns its file. */
  Optional<Path> record(long pid, long pgid) {
    if (folder == null) {
      return Optional.empty();
    }
    Optional<Stat> program = stat(pid);
    if (program.isEmpty() || selfStart < 0) {
      return Optional.empty();
    }
    Entry entry = new Entry(selfPid, selfStart, pid, pgid, program.get().start());
    Path file = folder.resolve(pid + ".pid");
    try {
      Files.createDirectories(folder);
      Path partial = folder.resolve(pid + ".pid.partial");
      Files.writeString(partial, entry.text(), StandardCharsets.US_ASCII);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return Optional.of(file);
    } catch (IOException e) {
      LOG.warn("could not record program {} in {}: {}", pid, folder, e.getMessage());
      return Optional.empty();
    }
  }

  /** Drops a record once its program's group was stopped and waited for. */
  void forget(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", file, e.getMessage());
    }
  }

  /**
   * Kills the programs a dead worker left running in this folder and drops their records; a record
   * whose owner still runs is left alone. Called once when a worker starts.
   *
   * @return the pids killed
   */
  public List<Long> killLeftovers() {
    List<Long> killed = new ArrayList<>();
    if (folder == null || !Files.isDirectory(folder)) {
      return killed;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.pid")) {
      for (Path file : files) {
        Optional<Entry> entry;
        try {
          entry = Entry.parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
          continue;
        }
        if (entry.isEmpty()) {
          forget(file);
          continue;
        }
        Entry e = entry.get();
        if (alive(e.ownerPid(), e.ownerStart())) {
          continue;
        }
        List<Long> members = leftovers(e);
        for (long pid : members) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (!members.isEmpty()) {
          LOG.warn(
              "killed {} leftover process(es) of a command program (group {}) that a stopped"
                  + " worker left running: {}",
              members.size(),
              e.pgid(),
              members);
          killed.addAll(members);
        }
        forget(file);
      }
    } catch (IOException e) {
      LOG.warn("could not look for leftover programs in {}: {}", folder, e.getMessage());
    }
    return killed;
  }

  /** The processes of {@code entry}'s group that are really the recorded program's. */
  static List<Long> leftovers(Entry entry) {
    Optional<Stat> leader = stat(entry.pid());
    if (leader.isPresent() && leader.get().start() != entry.start()) {
      // The pid now names another program: whatever is in its group is not ours.
      return List.of();
    }
    List<Long> members = new ArrayList<>();
    try (Stream<Path> all = Files.list(PROC)) {
      all.map(p -> p.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .map(RunningPrograms::stat)
          .flatMap(Optional::stream)
          // Started no earlier than the program: a group member is its child or itself.
          .filter(s -> s.pgid() == entry.pgid() && s.start() >= entry.start())
          .forEach(s -> members.add(s.pid()));
    } catch (IOException e) {
      LOG.warn("could not list /proc: {}", e.getMessage());
    }
    return members;
  }

  private static boolean alive(long pid, long start) {
    return stat(pid).map(s -> s.start() == start).orElse(false);
  }

  /** Reads pid, process group and start time from {@code /proc/PID/stat}; empty when gone. */
  static Optional<Stat> stat(long pid) {
    String text;
    try {
      text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
    } catch (IOException e) {
      return Optional.empty();
    }
    // The command name (field 2) is in parentheses and may hold spaces or ')'.
    int close = text.lastIndexOf(')');
    if (close < 0) {
      return Optional.empty();
    }
    String[] fields = text.substring(close + 2).split(" ");
    // fields[0] is field 3 (state): the process group is field 5, the start time field 22.
    if (fields.length < 20 || fields[0].equals("Z")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Stat(pid, Long.parseLong(fields[2]), Long.parseLong(fields[19])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
