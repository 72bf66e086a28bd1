package dev.digitlab.server.transfer;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.database.AfterCommit;
import java.time.Clock;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.ToLongFunction;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * This server's id (V20's {@code server_identity}): a random UUID made on first use and kept in the
 * database, so it survives restarts and upgrades and belongs to the data, not to the machine. A
 * copy of the database is the same server: its exports are recognised by both.
 */
@Component
class ServerIdentity {

  private final JdbcClient jdbc;
  private final Clock clock;
  private volatile String id;

  ServerIdentity(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  String id() {
    String known = id;
    if (known != null) {
      return known;
    }
    known = stored();
    if (known != null) {
      id = known;
      return known;
    }
    // ON CONFLICT, not a caught DuplicateKeyException: called inside a transaction, a failed
    // insert aborts it on PostgreSQL, and the caller's next statement fails. When another
    // request made the id first, its row is read below.
    int inserted =
        jdbc.sql(
                "INSERT INTO server_identity (singleton, server_id, created_at)"
                    + " VALUES (1, :id, :now) ON CONFLICT DO NOTHING")
            .param("id", UUID.randomUUID().toString())
            .param("now", toSql(clock.instant()))
            .update();
    String current = stored();
    if (inserted == 0) {
      id = current; // another request's, committed
    } else {
      // Kept once stored for good: a caller's transaction that rolls back takes the row with it.
      AfterCommit.run(() -> id = current);
    }
    return current;
  }

  /**
   * The id here of the first of {@code origins} (the servers an export names, each with the id of
   * what was exported there: {@code id}) that names this server and still {@code exists}: the file
   * is then that experiment or run, not a copy of it.
   */
  <T> OptionalLong stillHere(
      List<T> origins, Function<T, String> server, ToLongFunction<T> id, LongPredicate exists) {
    String here = id();
    for (T origin : origins) {
      if (server.apply(origin).equals(here) && exists.test(id.applyAsLong(origin))) {
        return OptionalLong.of(id.applyAsLong(origin));
      }
    }
    return OptionalLong.empty();
  }

  private String stored() {
    return jdbc.sql("SELECT server_id FROM server_identity WHERE singleton = 1")
        .query(String.class)
        .optional()
        .orElse(null);
  }
}
