package dev.digitlab.server.datasets;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.ml.data.DatasetException;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The datasets users registered, and the catalog of every dataset name a config may give: the
 * built-in ones ({@link DatasetId}) and these. A registered dataset's four files are kept in {@code
 * <home>/datasets/<digest>/} under MNIST's file names (the layout a worker's cache has too) and,
 * when an object store is configured, under {@code datasets/<digest>/<file>} there; a {@code
 * registered_dataset} row (V18) is written only once they are checked and stored.
 */
@Component
public class DatasetRegistry {

  /** A registered dataset with who registered it and when. */
  public record Entry(RegisteredDataset dataset, String createdBy, Instant createdAt) {}

  private final Path root;
  private final TrialArtifactStore artifacts;
  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;

  DatasetRegistry(
      @Value("${digitlab.home}") Path home,
      TrialArtifactStore artifacts,
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      Clock clock) {
    this.root = home.resolve("datasets");
    this.artifacts = artifacts;
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
  }

  /**
   * Inside the caller's transaction: locks {@code name}'s registration until that transaction ends,
   * so that a delete of it ({@link #delete}, which takes the same lock first) waits, and then sees
   * the rows the caller stored (a pipeline run with a step on it: a 409) instead of deleting the
   * files under them. A 409 when the name was deleted, or now holds other files, since the caller
   * read {@code sha256} (null: the name must be registered or built-in).
   */
  public void holdForUse(String name, String sha256) {
    Optional<String> held =
        jdbc.sql("SELECT sha256 FROM registered_dataset WHERE name = :name FOR UPDATE")
            .param("name", name)
            .query(String.class)
            .optional();
    boolean gone =
        held.isPresent()
            ? sha256 != null && !sha256.equals(held.get())
            : sha256 != null || unknownProblem(name) != null;
    if (gone) {
      throw new ConflictException(
          "Dataset '"
              + name
              + "' was deleted or registered anew while this was submitted; nothing was stored:"
              + " register it again ('digitlab data add "
              + name
              + " --dir DIR') and submit again");
    }
  }

  /** Every dataset name a config may give: the built-in ones, then the registered ones by name. */
  public List<String> knownNames() {
    List<String> names = new ArrayList<>(DatasetId.names());
    list().forEach(entry -> names.add(entry.dataset().name()));
    return names;
  }

  /**
   * The problem with {@code name} as an experiment's dataset, or null when it names a built-in or
   * registered dataset: the field error names every dataset the server knows.
   */
  public String unknownProblem(String name) {
    if (DatasetId.find(name).isPresent() || find(name).isPresent()) {
      return null;
    }
    return "no dataset '"
        + name
        + "'; known datasets: "
        + String.join(", ", knownNames())
        + " (register one with 'digitlab data add NAME --dir DIR')";
  }

  /** The registered datasets, by name. */
  public List<Entry> list() {
    return jdbc.sql("SELECT * FROM registered_dataset ORDER BY name")
        .query(DatasetRegistry::entry)
        .list();
  }

  /** The registered dataset called {@code name}. */
  public Optional<Entry> find(String name) {
    return jdbc.sql("SELECT * FROM registered_dataset WHERE name = :name")
        .param("name", name)
        .query(DatasetRegistry::entry)
        .optional();
  }

  /** A registered dataset with the digest {@code sha256} (any of its names). */
  public Optional<RegisteredDataset> byDigest(String sha256) {
    return jdbc
        .sql("SELECT * FROM registered_dataset WHERE sha256 = :sha ORDER BY name")
        .param("sha", sha256)
        .query(DatasetRegistry::entry)
        .list()
        .stream()
        .map(Entry::dataset)
        .findFirst();
  }

  /** The registered dataset called {@code name}, or 404. */
  public Entry get(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new NotFoundException(
                    DatasetId.find(name).isPresent()
                        // 'data ls' says mnist and fashion-mnist are there; 'data show mnist' said
                        // only "No dataset 'mnist' is registered".
                        ? "'"
                            + name
                            + "' is built in, not registered: experiments name it as 'dataset: "
                            + name
                            + "', and its files are fetched on first use ('digitlab data path"
                            + " --dataset "
                            + name
                            + "' shows where)."
                        : "No dataset '" + name + "' is registered"));
  }

  private static Entry entry(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Entry(
        new RegisteredDataset(
            rs.getString("name"),
            rs.getString("sha256"),
            List.of(
                rs.getString("train_images_sha256"),
                rs.getString("train_labels_sha256"),
                rs.getString("test_images_sha256"),
                rs.getString("test_labels_sha256")),
            rs.getInt("classes"),
            rs.getInt("train_count"),
            rs.getInt("test_count"),
            rs.getLong("size_bytes")),
        rs.getString("created_by"),
        dev.digitlab.server.database.Timestamps.instant(rs, "created_at"));
  }

  /**
   * Refuses a name that is malformed, built-in or registered already, before any upload is read.
   */
  void checkNewName(String name) {
    String problem = RegisteredDataset.nameProblem(name);
    if (problem != null) {
      throw new InvalidParameterException("name", problem);
    }
    if (find(name).isPresent()) {
      throw new ConflictException(
          "A dataset named '"
              + name
              + "' is registered already; choose another name, or delete it first (if no"
              + " experiment uses it)");
    }
  }

  /**
   * Registers the four files of {@link RegisteredDataset#FILE_NAMES} in {@code staged} (raw IDX, as
   * {@link DatasetUpload} leaves them) as {@code name}, after checking them. {@code staged} is
   * moved or deleted: the caller must not use it again.
   *
   * @throws InvalidParameterException (400) for files that are no dataset of {@code classes}
   *     classes; nothing is stored then
   * @throws ConflictException (409) for a name registered already
   */
  Entry add(String name, int classes, Path staged, String createdBy) throws IOException {
    try {
      checkNewName(name);
      RegisteredDataset.Summary summary;
      try {
        summary = RegisteredDataset.check(staged, classes);
      } catch (DatasetException e) {
        throw new InvalidParameterException(
            e.getMessage().startsWith("classes ") ? "classes" : "files", e.getMessage());
      }
      List<String> shas = new ArrayList<>();
      long size = 0;
      for (String file : RegisteredDataset.FILE_NAMES) {
        shas.add(RegisteredDataset.sha256(staged.resolve(file)));
        size += Files.size(staged.resolve(file));
      }
      String digest = RegisteredDataset.digest(shas);
      RegisteredDataset dataset =
          new RegisteredDataset(
              name, digest, shas, classes, summary.trainCount(), summary.testCount(), size);
      Path folder = root.resolve(digest);
      if (!Files.isDirectory(folder)) {
        try {
          Files.move(staged, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          // Another upload of the same files got there first: its folder holds the same bytes.
        }
      }
      for (String file : RegisteredDataset.FILE_NAMES) {
        artifacts.publishFile(key(digest, file), folder.resolve(file));
      }
      Instant now = clock.instant();
      try {
        jdbc.sql(
                """
                INSERT INTO registered_dataset (name, sha256, train_images_sha256,
                  train_labels_sha256, test_images_sha256, test_labels_sha256, classes,
                  train_count, test_count, size_bytes, created_by, created_at)
                VALUES (:name, :sha, :f0, :f1, :f2, :f3, :classes, :train, :test, :size, :by, :now)
                """)
            .param("name", name)
            .param("sha", digest)
            .param("f0", shas.get(0))
            .param("f1", shas.get(1))
            .param("f2", shas.get(2))
            .param("f3", shas.get(3))
            .param("classes", classes)
            .param("train", summary.trainCount())
            .param("test", summary.testCount())
            .param("size", size)
            .param("by", createdBy)
            .param("now", toSql(now))
            .update();
      } catch (DuplicateKeyException e) {
        throw new ConflictException(
            "A dataset named '" + name + "' was registered meanwhile; choose another name");
      }
      return new Entry(dataset, createdBy, now);
    } finally {
      deleteTree(staged);
    }
  }

  /**
   * Registers the four files an imported experiment carried ({@link RegisteredDataset#FILE_NAMES}
   * to their bytes) as {@code name}, checked as an upload is; files of the same digest are stored
   * once. Called inside the import's transaction: its row goes if the import fails, and so do the
   * files when no other registration has them.
   *
   * @throws InvalidParameterException (400) for files that are no dataset of {@code classes}
   * @throws ConflictException (409) for a name registered already
   */
  public Entry registerImported(
      String name, int classes, java.util.Map<String, byte[]> files, String createdBy) {
    try {
      Path staged = newStaging();
      List<String> shas = new ArrayList<>();
      for (String file : RegisteredDataset.FILE_NAMES) {
        Files.write(staged.resolve(file), files.get(file));
        shas.add(RegisteredDataset.sha256(staged.resolve(file)));
      }
      String digest = RegisteredDataset.digest(shas);
      if (byDigest(digest).isEmpty() && !Files.isDirectory(root.resolve(digest))) {
        // This import stores these files first: should its transaction roll back later (a model
        // it carries is refused, say), they go too, unless a registration committed meanwhile
        // holds them.
        dev.digitlab.server.database.OnRollback.run(
            "dataset files " + digest,
            () -> {
              if (byDigest(digest).isEmpty()) {
                try {
                  deleteTree(root.resolve(digest));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
                artifacts.deleteFiles(key(digest, ""));
              }
            });
      }
      return add(name, classes, staged, createdBy);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Deletes the registration of {@code name}; its files go too, here and in the object store,
   * unless another name has the same files.
   *
   * @throws ConflictException (409) while an experiment trains on it or a running pipeline run has
   *     a step yet to end on it; nothing is deleted then
   */
  public void delete(String name) throws IOException {
    // The checks and the delete in one transaction that first locks the row, as a pipeline
    // submission does (holdForUse): one of the two waits for the other, so a run stored meanwhile
    // is seen here (a 409) and never left reading deleted files.
    String digest = transaction.execute(status -> deleteRow(name));
    long others =
        jdbc.sql("SELECT COUNT(*) FROM registered_dataset WHERE sha256 = :sha")
            .param("sha", digest)
            .query(Long.class)
            .single();
    if (others == 0) {
      deleteTree(root.resolve(digest));
      // The object store's copies too: other servers would otherwise keep fetching them, and
      // nothing else ever deletes them. A name sharing the digest keeps them (others > 0).
      artifacts.deleteFiles(key(digest, ""));
    }
  }

  /** Deletes {@code name}'s row unless something uses it; its digest. */
  private String deleteRow(String name) {
    jdbc.sql("SELECT name FROM registered_dataset WHERE name = :name FOR UPDATE")
        .param("name", name)
        .query(String.class)
        .optional();
    Entry entry = get(name);
    List<Long> users =
        jdbc.sql("SELECT id FROM experiment WHERE dataset = :name ORDER BY id")
            .param("name", name)
            .query(Long.class)
            .list();
    if (!users.isEmpty()) {
      throw new ConflictException(
          "Dataset '"
              + name
              + "' is used by "
              + users.size()
              + " experiment(s) (ids "
              + users.stream().limit(10).map(String::valueOf).reduce((a, b) -> a + ", " + b).get()
              + (users.size() > 10 ? ", …" : "")
              + "); delete them first");
    }
    List<String> runs = pipelineUsers(name);
    if (!runs.isEmpty()) {
      throw new ConflictException(
          "Dataset '"
              + name
              + "' is used by "
              + runs.size()
              + " running pipeline run(s) ("
              + String.join("; ", runs)
              + "); wait for them to end, or cancel them (POST /api/v1/pipelines/ID/cancel),"
              + " then delete it");
    }
    jdbc.sql("DELETE FROM registered_dataset WHERE name = :name").param("name", name).update();
    return entry.dataset().sha256();
  }

  /**
   * The running pipeline runs with a step not yet ended whose parameters name {@code name} (an
   * {@code ingest}, {@code split} or {@code eda} step reads it by the digest its submission
   * recorded, a {@code train} step submits an experiment on it when it starts), each as "run ID
   * (steps A, B)". Ended steps and runs no longer read it: a finished run keeps its results, and
   * pipeline runs cannot be deleted, so they would otherwise hold a dataset for ever. The SQL
   * {@code LIKE} only narrows the rows; the parameters are read to compare the name exactly.
   */
  private List<String> pipelineUsers(String name) {
    java.util.Map<Long, List<String>> steps = new java.util.TreeMap<>();
    jdbc.sql(
            """
            SELECT s.run_id, s.name, s.parameters FROM pipeline_step s
              JOIN pipeline_run r ON r.id = s.run_id
            WHERE r.status = 'running' AND s.status IN ('pending', 'queued', 'running')
              AND s.parameters LIKE :like
            ORDER BY s.run_id, s.ordinal
            """)
        .param("like", "%" + name + "%")
        .query(
            (rs, row) -> {
              String dataset =
                  dev.digitlab.ml.json.Json.mapper()
                      .readTree(rs.getString("parameters"))
                      .path("dataset")
                      .asString("");
              if (dataset.equals(name)) {
                steps
                    .computeIfAbsent(rs.getLong("run_id"), id -> new ArrayList<>())
                    .add(rs.getString("name"));
              }
              return row;
            })
        .list();
    List<String> runs = new ArrayList<>();
    steps.forEach(
        (id, names) -> runs.add("run " + id + " (steps " + String.join(", ", names) + ")"));
    return runs;
  }

  /**
   * The folder holding {@code dataset}'s four files on this server (fetched from the object store
   * when only it has them), for the embedded worker, the registry and the worker endpoint.
   */
  public Path directory(RegisteredDataset dataset) {
    Path folder = root.resolve(dataset.sha256());
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new IllegalStateException("cannot make " + folder, e);
    }
    for (String file : RegisteredDataset.FILE_NAMES) {
      Path target = folder.resolve(file);
      if (!Files.isRegularFile(target)
          && !artifacts.fetchFile(key(dataset.sha256(), file), target)) {
        throw new NotFoundException(
            "The file " + file + " of dataset '" + dataset.name() + "' is no longer stored");
      }
    }
    return folder;
  }

  /** Where staged uploads go: beside the kept folders, so that a finished one moves atomically. */
  Path newStaging() throws IOException {
    Files.createDirectories(root);
    return Files.createTempDirectory(root, ".upload-");
  }

  private static String key(String digest, String file) {
    return "datasets/" + digest + "/" + file;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
