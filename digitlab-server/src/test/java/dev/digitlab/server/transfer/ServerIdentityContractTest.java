package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.TestDatabase;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The server's id is made once and kept, also when it is first asked for inside a transaction. Run
 * on H2 and on PostgreSQL by the subclasses; the race of two first requests is PostgreSQL's ({@link
 * ServerIdentityOnPostgresTest}).
 */
abstract class ServerIdentityContractTest {

  protected TestDatabase database;
  protected JdbcClient jdbc;
  protected TransactionTemplate transaction;

  protected abstract TestDatabase openDatabase();

  @BeforeEach
  void open() {
    database = openDatabase();
    jdbc = JdbcClient.create(new JdbcTemplate(database.dataSource()));
    transaction = new TransactionTemplate(new DataSourceTransactionManager(database.dataSource()));
  }

  @AfterEach
  void close() {
    database.close();
  }

  protected ServerIdentity server() {
    return new ServerIdentity(jdbc, Clock.systemUTC());
  }

  protected String stored() {
    return jdbc.sql("SELECT server_id FROM server_identity").query(String.class).single();
  }

  @Test
  void the_id_is_made_once_and_kept() {
    String id = server().id();

    assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(stored()).isEqualTo(id);
    assertThat(server().id()).as("another server on the same database").isEqualTo(id);
  }

  /**
   * An id made inside a transaction that rolls back was never stored: the server must not go on
   * naming itself by it, or its exports would name a server no database knows.
   */
  @Test
  void an_id_made_in_a_transaction_that_rolled_back_is_not_kept() {
    ServerIdentity server = server();
    transaction.executeWithoutResult(
        status -> {
          server.id();
          status.setRollbackOnly();
        });

    String made = server().id();

    assertThat(server.id()).isEqualTo(made).isEqualTo(stored());
  }
}
