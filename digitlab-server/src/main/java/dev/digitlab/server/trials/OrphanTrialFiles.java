package dev.digitlab.server.trials;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Removes the files of trials that no longer exist (issue 15: deleting a running experiment left
 * its trial's files on disk, because the worker went on writing them until it noticed its lease was
 * gone). Every {@code digitlab.trials.orphan-sweep} it deletes each {@code <home>/trials/<id>}
 * whose trial row is gone and that nothing wrote to for that long: by then no worker holds it.
 */
@Component
public class OrphanTrialFiles implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(OrphanTrialFiles.class);

  private final JdbcClient jdbc;
  private final TrialDirectories directories;
  private final Clock clock;
  private final Duration quiet;
  private final Path root;
  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("orphan-trial-files").unstarted(runnable));

  OrphanTrialFiles(
      JdbcClient jdbc,
      TrialDirectories directories,
      Clock clock,
      @Value("${digitlab.home}") Path home,
      @Value("${digitlab.trials.orphan-sweep:5m}") Duration quiet) {
    this.jdbc = jdbc;
    this.directories = directories;
    this.clock = clock;
    this.quiet = quiet;
    this.root = home.resolve("trials");
    sweeper.scheduleWithFixedDelay(
        this::sweepQuietly, quiet.toMillis(), quiet.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Deletes the folders of trials without a row that nothing changed for {@code quiet}.
   *
   * @return the trial ids whose files were deleted
   */
  public List<Long> sweep(Duration quiet) {
    List<Long> deleted = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return deleted;
    }
    Instant before = clock.instant().minus(quiet);
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(root)) {
      for (Path folder : folders) {
        String name = folder.getFileName().toString();
        if (!name.matches("\\d{1,18}") || !Files.isDirectory(folder, NOFOLLOW_LINKS)) {
          continue;
        }
        long id = Long.parseLong(name);
        if (exists(id)) {
          continue;
        }
        // A folder that vanishes while it is looked at (an import rolling back deletes its
        // trials' folders after their rows are gone) skips only itself: the walk and the delete
        // pass over what is gone instead of ending the whole sweep.
        if (changedSince(folder, before) || !Files.isDirectory(folder, NOFOLLOW_LINKS)) {
          continue;
        }
        directories.delete(id);
        deleted.add(id);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + root, e);
    }
    if (!deleted.isEmpty()) {
      log.info(
          "Deleted the files of {} trial(s) that no longer exist: {}", deleted.size(), deleted);
    }
    return deleted;
  }

  private void sweepQuietly() {
    try {
      sweep(quiet);
    } catch (RuntimeException e) {
      log.warn("Sweeping the files of deleted trials failed; retrying at the next sweep", e);
    }
  }

  private boolean exists(long id) {
    return jdbc.sql("SELECT COUNT(*) FROM trial WHERE id = :id")
            .param("id", id)
            .query(Long.class)
            .single()
        > 0;
  }

  /**
   * Whether anything in the folder was written after {@code instant}: a worker may still hold it.
   * An entry that vanishes during the walk wrote nothing new and is passed over ({@code Files.walk}
   * would throw and end the walk); whether the folder itself is still there is the caller's check.
   */
  private boolean changedSince(Path folder, Instant instant) throws IOException {
    boolean[] changed = {false};
    Files.walkFileTree(
        folder,
        new SkipVanished() {
          @Override
          public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
            return visit(directory, attributes);
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            return visit(file, attributes);
          }

          private FileVisitResult visit(Path entry, BasicFileAttributes attributes) {
            visiting(entry);
            if (attributes.lastModifiedTime().toInstant().isAfter(instant)) {
              changed[0] = true;
              return FileVisitResult.TERMINATE;
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return changed[0];
  }

  /**
   * Called for each entry of a walk once its attributes are read (and a folder opened), before the
   * walk reads the next name: a test removes files here, as a concurrent delete would, at a point
   * it can choose. Does nothing in production.
   */
  void visiting(Path entry) {}

  @Override
  public void destroy() {
    sweeper.shutdownNow();
  }
}
