package dev.digitlab.server.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.OpenServerTest;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A thread whose interrupt flag is set writes to the embedded H2 database: cancelling a pipeline
 * run or a trial interrupts threads that then record the cancellation. On H2's plain {@code file:}
 * store the interrupt closes the file channel in the middle of the write, the statement fails
 * ({@code MVStoreException: Writing to FileChannelImpl failed}, a 500 for the cancel) and the store
 * may be closed for every other thread. The default URL's {@code retry:} store reopens the channel
 * and the write succeeds.
 */
class InterruptedWriterTest extends OpenServerTest {

  @Autowired JdbcClient jdbc;

  @Test
  void a_thread_interrupted_before_it_writes_still_writes_and_leaves_the_database_usable()
      throws Exception {
    jdbc.sql("CREATE TABLE IF NOT EXISTS interrupted_writer_probe (n int)").update();
    jdbc.sql("DELETE FROM interrupted_writer_probe").update();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              Thread.currentThread().interrupt();
              try {
                for (int n = 0; n < 50; n++) {
                  jdbc.sql("INSERT INTO interrupted_writer_probe (n) VALUES (:n)")
                      .param("n", n)
                      .update();
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            });
    writer.start();
    writer.join();

    assertThat(failure.get()).as("the interrupted thread's writes").isNull();
    jdbc.sql("INSERT INTO interrupted_writer_probe (n) VALUES (50)").update();
    assertThat(jdbc.sql("SELECT count(*) FROM interrupted_writer_probe").query(Long.class).single())
        .isEqualTo(51L);
  }
}
