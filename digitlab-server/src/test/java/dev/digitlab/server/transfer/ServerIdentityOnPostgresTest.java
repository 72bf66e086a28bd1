package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.LockWaits;
import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.testing.TestPostgres;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPostgres.Required.class)
class ServerIdentityOnPostgresTest extends ServerIdentityContractTest {

  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  /**
   * Two first requests on a fresh server, each inside a transaction, in their worst order and
   * without timing: the second's insert waits on the first's uncommitted row, then the first
   * commits. The second must take the first's id and go on in its transaction: on PostgreSQL a
   * failed insert aborts the transaction around it (25P02), and the caller's next statement fails.
   */
  @Test
  void a_second_first_request_takes_the_id_the_first_committed_meanwhile() throws Exception {
    CountDownLatch firstMade = new CountDownLatch(1);
    CountDownLatch commitFirst = new CountDownLatch(1);
    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(
            () ->
                transaction.execute(
                    status -> {
                      String id = server().id();
                      firstMade.countDown();
                      Waiting.await(commitFirst);
                      return id;
                    }),
            threads);
    firstMade.await();
    CompletableFuture<String> second =
        CompletableFuture.supplyAsync(
            () ->
                transaction.execute(
                    status -> {
                      String id = server().id();
                      // What a caller does next in its transaction: it must still work.
                      assertThat(stored()).isEqualTo(id);
                      return id;
                    }),
            threads);
    Waiting.until(
        () -> second.isDone() || LockWaits.waiting(jdbc, "INSERT INTO server_identity"),
        done -> done,
        Duration.ofSeconds(60),
        "the second request's insert waiting on the first's row");
    assertThat(second).isNotDone();

    commitFirst.countDown();

    assertThat(second.get()).isEqualTo(first.get()).isEqualTo(stored());
  }
}
