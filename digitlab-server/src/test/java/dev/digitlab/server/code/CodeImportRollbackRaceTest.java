package dev.digitlab.server.code;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.tar.TarFolder;
import dev.digitlab.server.artifacts.ObjectStore;
import dev.digitlab.server.artifacts.S3ObjectStore;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.testing.LockWaits;
import dev.digitlab.server.testing.S3ProxyServer;
import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two imports of the same packed code, in their worst order, on PostgreSQL, without timing: the
 * first import has stored the code (its row not committed) when the second stores it too, so the
 * second's insert waits on the first's row; then the first rolls back and its undo runs while the
 * second is still inside its transaction, so the undo sees no committed row and deletes the file;
 * then the second commits. Its row must still have its file, on every server: before the fix the
 * row was committed with no file, and workers could not fetch the code.
 */
@ExtendWith(TestPostgres.Required.class)
class CodeImportRollbackRaceTest {

  @TempDir Path temp;

  private TestDatabase database;
  private JdbcClient jdbc;
  private TransactionTemplate transaction;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  @BeforeEach
  void open() {
    database = TestDatabase.postgres();
    jdbc = JdbcClient.create(new JdbcTemplate(database.dataSource()));
    transaction = new TransactionTemplate(new DataSourceTransactionManager(database.dataSource()));
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    database.close();
  }

  @Test
  void on_one_server_the_second_imports_row_keeps_its_file() throws Exception {
    CodeStore server = server("home", new TrialArtifactStore(null));
    byte[] code = packedCode();

    race(server, server, code, null);

    assertThat(server.open(sha256(code)))
        .as("the committed code's file")
        .hasValueSatisfying(file -> assertThat(file).hasBinaryContent(code));
  }

  /**
   * The other order: the first import commits while the second's insert waits on its row. The
   * second must go on in its transaction (the code is stored, by the first): on PostgreSQL a failed
   * insert would abort that transaction, and the rest of its import would fail with a 5xx.
   */
  @Test
  void a_second_import_whose_code_the_first_committed_meanwhile_goes_on() throws Exception {
    CodeStore server = server("home", new TrialArtifactStore(null));
    byte[] code = packedCode();
    String sha = sha256(code);
    CountDownLatch firstStored = new CountDownLatch(1);
    CountDownLatch commitFirst = new CountDownLatch(1);

    CompletableFuture<Void> first =
        CompletableFuture.runAsync(
            () ->
                transaction.executeWithoutResult(
                    status -> {
                      server.storeImported(code, sha, "alice");
                      firstStored.countDown();
                      Waiting.await(commitFirst);
                    }),
            threads);
    firstStored.await();
    CompletableFuture<Boolean> second =
        CompletableFuture.supplyAsync(
            () ->
                transaction.execute(
                    status -> {
                      CodeStore.Stored stored = server.storeImported(code, sha, "bob");
                      assertThat(stored.created()).isFalse();
                      // What the rest of an import does next: another statement in this
                      // transaction, which must still work.
                      return server.exists(sha);
                    }),
            threads);
    Waiting.until(
        () -> second.isDone() || LockWaits.waiting(jdbc, "INSERT INTO code_archive"),
        done -> done,
        Duration.ofSeconds(60),
        "the second import's insert waiting on the first's row");
    assertThat(second).isNotDone();

    commitFirst.countDown();
    first.get();
    assertThat(second.get()).isTrue();
    assertThat(
            jdbc.sql("SELECT uploaded_by FROM code_archive WHERE sha256 = :sha")
                .param("sha", sha)
                .query(String.class)
                .single())
        .isEqualTo("alice");
    assertThat(server.open(sha)).hasValueSatisfying(f -> assertThat(f).hasBinaryContent(code));
  }

  @Test
  void with_two_servers_on_one_object_store_every_server_can_fetch_the_code() throws Exception {
    try (S3ProxyServer proxy = S3ProxyServer.start(temp.resolve("s3"))) {
      S3ObjectStore bucket = new S3ObjectStore(proxy.settings(5L * 1024 * 1024));
      bucket.createBucketIfMissing();
      TrialArtifactStore shared = new TrialArtifactStore(bucket);
      CodeStore serverA = server("a", shared);
      CodeStore serverB = server("b", shared);
      byte[] code = packedCode();

      // The import on A rolls back; the one on B commits.
      race(serverA, serverB, code, null);

      for (CodeStore server : new CodeStore[] {serverA, serverB}) {
        Optional<Path> file = server.open(sha256(code));
        assertThat(file)
            .as("the committed code's file, on server " + (server == serverA ? "A" : "B"))
            .hasValueSatisfying(f -> assertThat(f).hasBinaryContent(code));
      }
    }
  }

  /**
   * The undo's worst moment across servers: it has seen no committed row and is deleting the shared
   * copy when the second import commits and checks the file (still there). The undo must see the
   * row on looking again, and write the file back.
   */
  @Test
  void a_row_committed_while_the_undo_deletes_gets_its_file_back() throws Exception {
    try (S3ProxyServer proxy = S3ProxyServer.start(temp.resolve("s3"))) {
      S3ObjectStore bucket = new S3ObjectStore(proxy.settings(5L * 1024 * 1024));
      bucket.createBucketIfMissing();
      PausedDelete pause = new PausedDelete(bucket);
      CodeStore serverA = server("a", new TrialArtifactStore(pause));
      CodeStore serverB = server("b", new TrialArtifactStore(bucket));
      byte[] code = packedCode();

      race(serverA, serverB, code, pause);

      for (CodeStore server : new CodeStore[] {serverA, serverB}) {
        assertThat(server.open(sha256(code)))
            .as("the committed code's file, on server " + (server == serverA ? "A" : "B"))
            .hasValueSatisfying(f -> assertThat(f).hasBinaryContent(code));
      }
    }
  }

  /** The shared store as server A sees it: a delete waits, once begun, until it is let go. */
  private static final class PausedDelete implements ObjectStore {
    private final ObjectStore store;
    final CountDownLatch deleting = new CountDownLatch(1);
    final CountDownLatch letGo = new CountDownLatch(1);

    PausedDelete(ObjectStore store) {
      this.store = store;
    }

    @Override
    public void put(String key, Path file) {
      store.put(key, file);
    }

    @Override
    public boolean download(String key, Path target) {
      return store.download(key, target);
    }

    @Override
    public boolean exists(String key) {
      return store.exists(key);
    }

    @Override
    public int deletePrefix(String prefix) {
      deleting.countDown();
      Waiting.await(letGo);
      return store.deletePrefix(prefix);
    }

    @Override
    public String describe() {
      return store.describe();
    }
  }

  /**
   * The first import (on {@code first}) rolls back, the second (on {@code second}) commits: after
   * the first's undo is done, or, with {@code pause}, while the undo's delete is paused.
   */
  private void race(CodeStore first, CodeStore second, byte[] code, PausedDelete pause)
      throws Exception {
    String sha = sha256(code);
    CountDownLatch firstStored = new CountDownLatch(1);
    CountDownLatch rollBack = new CountDownLatch(1);
    CountDownLatch secondStored = new CountDownLatch(1);
    CountDownLatch commit = new CountDownLatch(1);

    CompletableFuture<Void> rolledBack =
        CompletableFuture.runAsync(
            () ->
                transaction.executeWithoutResult(
                    status -> {
                      first.storeImported(code, sha, "alice");
                      firstStored.countDown();
                      Waiting.await(rollBack);
                      status.setRollbackOnly();
                    }),
            threads);
    firstStored.await();

    CompletableFuture<Void> committed =
        CompletableFuture.runAsync(
            () ->
                transaction.executeWithoutResult(
                    status -> {
                      CodeStore.Stored stored = second.storeImported(code, sha, "bob");
                      assertThat(stored.created()).isTrue();
                      secondStored.countDown();
                      Waiting.await(commit);
                    }),
            threads);
    // The second's insert waits on the first's row: a state, not a time.
    Waiting.until(
        () -> committed.isDone() || LockWaits.waiting(jdbc, "INSERT INTO code_archive"),
        done -> done,
        Duration.ofSeconds(60),
        "the second import's insert waiting on the first's row");
    assertThat(committed).isNotDone();

    rollBack.countDown();
    if (pause == null) {
      rolledBack.get(); // rolled back, and its undo has run: the second has not committed yet
      secondStored.await();
      commit.countDown();
      committed.get();
    } else {
      pause.deleting.await(); // the undo saw no committed row and is deleting
      secondStored.await();
      commit.countDown();
      committed.get();
      pause.letGo.countDown();
      rolledBack.get();
    }

    assertThat(
            jdbc.sql("SELECT uploaded_by FROM code_archive WHERE sha256 = :sha")
                .param("sha", sha)
                .query(String.class)
                .single())
        .isEqualTo("bob");
  }

  private CodeStore server(String home, TrialArtifactStore artifacts) {
    return new CodeStore(temp.resolve(home), artifacts, jdbc, Clock.systemUTC());
  }

  private byte[] packedCode() throws Exception {
    Path folder = Files.createDirectories(temp.resolve("code"));
    Files.writeString(folder.resolve("run.sh"), "echo hello\n");
    Path packed = temp.resolve("code.tar.gz");
    TarFolder.pack(folder, packed);
    return Files.readAllBytes(packed);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
