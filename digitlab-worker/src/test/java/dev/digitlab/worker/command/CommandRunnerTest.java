package dev.digitlab.worker.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.tar.TarFolder;
import dev.digitlab.ml.tar.TarPaths;
import dev.digitlab.protocol.event.ArtifactRef;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.StatusChange;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.protocol.worker.CommandTask;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.EventBatching;
import dev.digitlab.worker.run.InMemoryEventSink;
import dev.digitlab.worker.run.RunArtifact;
import dev.digitlab.worker.run.RunOutcome;
import dev.digitlab.worker.run.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real programs (sh) run by the worker's command runner; every event as a server would get it. */
class CommandRunnerTest {

  @TempDir Path temp;
  private Path codeDir;
  private final AtomicInteger fetches = new AtomicInteger();
  private CodeCache cache;
  private CodeFetcher fetcher;
  private CommandRunner runner;

  @BeforeEach
  void setUp() throws IOException {
    codeDir = Files.createDirectories(temp.resolve("src"));
    Path store = Files.createDirectories(temp.resolve("store"));
    cache = new CodeCache(temp.resolve("cache"));
    fetcher =
        (sha, target) -> {
          fetches.incrementAndGet();
          Files.copy(store.resolve(sha), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        };
    runner = runner(Duration.ofMillis(200));
  }

  /** A runner that looks at the checkpoint folder every {@code checkpointPoll}. */
  private CommandRunner runner(Duration checkpointPoll) {
    return new CommandRunner(
        cache,
        new CommandRunner.Settings(
            Duration.ofSeconds(2),
            checkpointPoll,
            EventBatching.DEFAULTS,
            "/usr/local/bin:/usr/bin:/bin",
            "C.UTF-8"));
  }

  /** Packs {@code codeDir} into the fake server's store; returns its hash. */
  private String publishCode() throws IOException {
    Path packed = temp.resolve("code.tar.gz");
    TarFolder.pack(codeDir, packed);
    String sha = CodeCache.sha256(packed);
    Files.move(
        packed,
        temp.resolve("store").resolve(sha),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return sha;
  }

  private RunOutcome run(CommandTask task, InMemoryEventSink sink, CancellationToken cancel)
      throws InterruptedException {
    return run(task, sink, cancel, 1, null, 0);
  }

  private RunOutcome run(
      CommandTask task,
      InMemoryEventSink sink,
      CancellationToken cancel,
      int attempt,
      Path resume,
      int resumeCount)
      throws InterruptedException {
    return runner.run(
        new CommandRun(7, attempt, task, temp.resolve("work-" + attempt), resume, resumeCount, 1),
        fetcher,
        sink,
        cancel);
  }

  @Test
  void metric_lines_become_metrics_and_every_line_a_log_line() throws Exception {
    Files.writeString(
        codeDir.resolve("train.sh"),
        """
        echo "starting with alpha=$1"
        echo "metric rmse=0.5 step=1"
        echo "metric rmse=0.25 step=2"
        echo "metric R2=0.75"
        echo "oops" >&2
        echo "a file" > "$DIGITLAB_OUTPUT_DIR/Predictions.csv"
        """);
    InMemoryEventSink sink = new InMemoryEventSink();
    RunOutcome outcome =
        run(
            new CommandTask(List.of("sh", "train.sh", "0.1"), publishCode(), Map.of(), 0),
            sink,
            new CancellationToken());

    assertThat(outcome.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(sink.payloads(MetricPoint.class))
        .extracting(MetricPoint::key, MetricPoint::value, MetricPoint::step)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("rmse", 0.5, 1L),
            org.assertj.core.groups.Tuple.tuple("rmse", 0.25, 2L),
            org.assertj.core.groups.Tuple.tuple("r2", 0.75, 0L));
    assertThat(sink.payloads(LogLine.class))
        .extracting(LogLine::message)
        .contains("$ sh train.sh 0.1", "starting with alpha=0.1", "oops");
    assertThat(sink.payloads(ArtifactRef.class))
        .extracting(ArtifactRef::name, ArtifactRef::kind)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("predictions.csv", "output"));
    assertThat(RunArtifact.output(temp.resolve("work-1"), "predictions.csv")).hasContent("a file");
    List<TrialEvent> events = sink.events();
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).seq()).isEqualTo(i + 1);
    }
    assertThat(sink.payloads(StatusChange.class))
        .extracting(StatusChange::status)
        .containsExactly(StatusChange.RUNNING, StatusChange.SUCCEEDED);
  }

  @Test
  void the_program_sees_only_its_own_environment() throws Exception {
    InMemoryEventSink sink = new InMemoryEventSink();
    RunOutcome outcome =
        run(
            new CommandTask(List.of("env"), null, Map.of("DIGITLAB_TRIAL_ID", "7"), 0),
            sink,
            new CancellationToken());
    assertThat(outcome.status()).isEqualTo(RunStatus.SUCCEEDED);
    List<String> lines =
        sink.payloads(LogLine.class).stream()
            .map(LogLine::message)
            .filter(m -> !m.startsWith("$ "))
            .map(m -> m.substring(0, m.indexOf('=')))
            .sorted()
            .toList();
    assertThat(lines)
        .containsExactly(
            "DIGITLAB_CHECKPOINT_DIR",
            "DIGITLAB_OUTPUT_DIR",
            "DIGITLAB_TRIAL_ID",
            "HOME",
            "LANG",
            "PATH");
  }

  @Test
  void a_non_zero_exit_fails_with_the_tail_of_stderr() throws Exception {
    InMemoryEventSink sink = new InMemoryEventSink();
    RunOutcome outcome =
        run(
            new CommandTask(
                List.of("sh", "-c", "echo first >&2; echo 'ValueError: alpha < 0' >&2; exit 3"),
                null,
                Map.of(),
                0),
            sink,
            new CancellationToken());
    assertThat(outcome.status()).isEqualTo(RunStatus.FAILED);
    assertThat(outcome.failure())
        .startsWith("sh exited with status 3: ")
        .endsWith("ValueError: alpha < 0");
  }

  @Test
  void a_missing_program_fails_saying_so() throws Exception {
    RunOutcome outcome =
        run(
            new CommandTask(List.of("no-such-program-here"), null, Map.of(), 0),
            new InMemoryEventSink(),
            new CancellationToken());
    assertThat(outcome.status()).isEqualTo(RunStatus.FAILED);
    assertThat(outcome.failure()).contains("exited with status 127");
  }

  @Test
  void cancel_kills_the_whole_process_group() throws Exception {
    Path pidFile = temp.resolve("child.pid");
    CancellationToken cancel = new CancellationToken();
    InMemoryEventSink sink = new InMemoryEventSink();
    Thread canceller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
                      Thread.sleep(20);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  cancel.cancel();
                });
    RunOutcome outcome =
        run(
            new CommandTask(
                List.of("sh", "-c", "sleep 100 & echo $! > " + pidFile + "; sleep 100"),
                null,
                Map.of(),
                0),
            sink,
            cancel);
    canceller.join();
    assertThat(outcome.status()).isEqualTo(RunStatus.CANCELLED);
    long child = Long.parseLong(Files.readString(pidFile).trim());
    // A generous wait (it ends as soon as the child is gone: how fast is not what this checks, and
    // a loaded machine may take a while to run the killed child's exit), then the pid is checked.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (running(child) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(running(child)).as("the forked child %d is gone", child).isFalse();
  }

  /** Alive and not a zombie (an orphan waits for a reaper that a container may not have). */
  static boolean running(long pid) throws IOException {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.exists(stat)) {
      return false;
    }
    try {
      String line = Files.readString(stat);
      return line.charAt(line.lastIndexOf(')') + 2) != 'Z';
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }

  @Test
  void a_timeout_fails_the_attempt_with_its_reason() throws Exception {
    RunOutcome outcome =
        run(
            new CommandTask(List.of("sleep", "100"), null, Map.of(), 1),
            new InMemoryEventSink(),
            new CancellationToken());
    assertThat(outcome.status()).isEqualTo(RunStatus.FAILED);
    assertThat(outcome.failure()).isEqualTo("timed out after 1 s");
  }

  @Test
  void the_checkpoint_folder_is_packed_when_it_changes_and_restored_on_resume() throws Exception {
    // Counts on from the checkpoint it finds; prints each step's metric before checkpointing it.
    Files.writeString(
        codeDir.resolve("count.sh"),
        """
        n=0
        [ -f "$DIGITLAB_CHECKPOINT_DIR/n" ] && n=$(cat "$DIGITLAB_CHECKPOINT_DIR/n")
        echo "resumed at $n"
        while [ "$n" -lt "$1" ]; do
          n=$((n + 1))
          echo "metric count=$n step=$n"
          echo "$n" > "$DIGITLAB_CHECKPOINT_DIR/n.tmp" && mv "$DIGITLAB_CHECKPOINT_DIR/n.tmp" "$DIGITLAB_CHECKPOINT_DIR/n"
          sleep 0.5
        done
        """);
    String sha = publishCode();
    InMemoryEventSink first = new InMemoryEventSink();
    RunOutcome one =
        run(
            new CommandTask(List.of("sh", "count.sh", "2"), sha, Map.of(), 0),
            first,
            new CancellationToken());
    assertThat(one.status()).isEqualTo(RunStatus.SUCCEEDED);
    List<ArtifactRef> checkpoints =
        first.payloads(ArtifactRef.class).stream()
            .filter(a -> a.name().equals("checkpoint"))
            .toList();
    assertThat(checkpoints).isNotEmpty();
    Path packed = temp.resolve("resume.ckpt");
    Files.copy(one.checkpoint(), packed);
    assertThat(TarFolder.names(packed)).containsExactly("n");

    InMemoryEventSink second = new InMemoryEventSink();
    RunOutcome two =
        run(
            new CommandTask(List.of("sh", "count.sh", "3"), sha, Map.of(), 0),
            second,
            new CancellationToken(),
            2,
            packed,
            checkpoints.size());
    assertThat(two.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(second.payloads(LogLine.class))
        .extracting(LogLine::message)
        .contains("resumed at 2");
    assertThat(second.payloads(MetricPoint.class))
        .extracting(MetricPoint::step)
        .containsExactly(3L);
    assertThat(fetches).hasValue(1);
  }

  @Test
  void a_checkpoint_line_packs_the_folder_right_there_in_the_output_order() throws Exception {
    Files.writeString(
        codeDir.resolve("steps.sh"),
        """
        for n in 1 2 3; do
          echo "metric loss=$n step=$n"
          echo "$n" > "$DIGITLAB_CHECKPOINT_DIR/n"
          echo checkpoint
          sleep 0.3
        done
        """);
    // No poll during the run: before the first checkpoint line a poll may pack the folder too (it
    // cannot know that lines will follow), and one that fell between the script writing n=1 and
    // the runner reading that line (a wide gap on a loaded machine) would add a checkpoint there.
    runner = runner(Duration.ofHours(1));
    InMemoryEventSink sink = new InMemoryEventSink();
    RunOutcome outcome =
        run(
            new CommandTask(List.of("sh", "steps.sh"), publishCode(), Map.of(), 0),
            sink,
            new CancellationToken());
    assertThat(outcome.status()).isEqualTo(RunStatus.SUCCEEDED);
    List<String> order =
        sink.events().stream()
            .map(TrialEvent::payload)
            .filter(p -> p instanceof MetricPoint || p instanceof ArtifactRef)
            .map(p -> p instanceof MetricPoint m ? "metric " + m.step() : "checkpoint")
            .toList();
    assertThat(order)
        .containsExactly(
            "metric 1", "checkpoint", "metric 2", "checkpoint", "metric 3", "checkpoint");
    assertThat(sink.payloads(LogLine.class))
        .extracting(LogLine::message)
        .doesNotContain("checkpoint");
  }

  @Test
  void code_whose_hash_differs_is_refused() throws Exception {
    Files.writeString(codeDir.resolve("x.sh"), "echo hi\n");
    String sha = publishCode();
    Path store = temp.resolve("store").resolve(sha);
    Files.writeString(store, "not the code");
    RunOutcome outcome =
        run(
            new CommandTask(List.of("sh", "x.sh"), sha, Map.of(), 0),
            new InMemoryEventSink(),
            new CancellationToken());
    assertThat(outcome.status()).isEqualTo(RunStatus.FAILED);
    assertThat(outcome.failure()).contains("refusing to run it");
  }

  @Test
  void archives_that_would_write_outside_the_folder_are_refused() throws Exception {
    Path target = Files.createDirectories(temp.resolve("unpacked"));
    assertThatThrownBy(() -> TarPaths.inside(target.toRealPath(), "../evil"))
        .hasMessageContaining("'..'");
    assertThatThrownBy(() -> TarPaths.inside(target.toRealPath(), "/etc/passwd"))
        .hasMessageContaining("not a relative path");
    Path link = temp.resolve("with-link");
    Files.createDirectories(link);
    Files.createSymbolicLink(link.resolve("out"), temp);
    assertThatThrownBy(() -> TarPaths.inside(link.toRealPath(), "out/file"))
        .hasMessageContaining("through a link");
    // A symbolic link made by GNU tar is refused as an entry.
    Path src = Files.createDirectories(temp.resolve("linksrc"));
    Files.createSymbolicLink(src.resolve("escape"), Path.of("/etc"));
    Path archive = temp.resolve("links.tar.gz");
    Process tar =
        new ProcessBuilder("tar", "-czf", archive.toString(), "-C", src.toString(), "escape")
            .inheritIO()
            .start();
    assertThat(tar.waitFor()).isZero();
    assertThatThrownBy(() -> TarFolder.unpack(archive, temp.resolve("out2")))
        .hasMessageContaining("symbolic link");
    assertThat(temp.resolve("out2").resolve("escape")).doesNotExist();
  }

  @Test
  void gnu_tar_archives_with_long_names_unpack() throws Exception {
    Path src = Files.createDirectories(temp.resolve("long"));
    String deep = "a".repeat(60) + "/" + "b".repeat(60) + "/" + "c".repeat(40) + ".py";
    Files.createDirectories(src.resolve(deep).getParent());
    Files.writeString(src.resolve(deep), "print(1)\n");
    Path archive = temp.resolve("long.tar.gz");
    Process tar =
        new ProcessBuilder(
                "tar", "--format=pax", "-czf", archive.toString(), "-C", src.toString(), ".")
            .inheritIO()
            .start();
    assertThat(tar.waitFor()).isZero();
    Path out = temp.resolve("long-out");
    TarFolder.unpack(archive, out);
    assertThat(out.resolve(deep)).hasContent("print(1)");
    // and our own packing reads back with GNU tar
    Path ours = temp.resolve("ours.tar.gz");
    TarFolder.pack(src, ours);
    Process list = new ProcessBuilder("tar", "-tzf", ours.toString()).start();
    String names = new String(list.getInputStream().readAllBytes());
    assertThat(list.waitFor()).isZero();
    assertThat(names).contains(deep);
  }
}
