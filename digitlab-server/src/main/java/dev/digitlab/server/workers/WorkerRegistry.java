package dev.digitlab.server.workers;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.server.api.NotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The remote workers the server knows: registered by name, seen at each request they make. A
 * worker's state is derived when read, never stored: {@code lost} when it was silent for longer
 * than it may be (a dead worker cannot say so itself), else {@code busy} while it holds a lease,
 * else {@code idle}.
 */
@Component
public class WorkerRegistry {

  public static final String IDLE = "idle";
  public static final String BUSY = "busy";
  public static final String LOST = "lost";

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;

  public WorkerRegistry(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
  }

  /** Adds the worker, or updates it when one of that name registered before (a restart). */
  public void register(WorkerRegistration worker) {
    Instant now = clock.instant();
    String capabilities = String.join(",", new TreeSet<>(worker.capabilities()));
    transaction.executeWithoutResult(
        status -> {
          int updated =
              jdbc.sql(
                      """
                      UPDATE worker SET host = :host, slots = :slots,
                             capabilities = :capabilities, last_heartbeat_at = :now,
                             images_per_second = 0
                       WHERE name = :name
                      """)
                  .param("host", worker.host())
                  .param("slots", worker.slots())
                  .param("capabilities", capabilities)
                  .param("now", toSql(now))
                  .param("name", worker.name())
                  .update();
          if (updated == 0) {
            jdbc.sql(
                    """
                    INSERT INTO worker (name, host, slots, capabilities, registered_at,
                                        last_heartbeat_at)
                    VALUES (:name, :host, :slots, :capabilities, :now, :now)
                    """)
                .param("name", worker.name())
                .param("host", worker.host())
                .param("slots", worker.slots())
                .param("capabilities", capabilities)
                .param("now", toSql(now))
                .update();
          }
        });
  }

  /**
   * The registered worker's capabilities; also counts as a sign of life.
   *
   * @throws NotFoundException if no worker of that name registered
   */
  public Set<String> seen(String name) {
    int updated =
        jdbc.sql("UPDATE worker SET last_heartbeat_at = :now WHERE name = :name")
            .param("now", toSql(clock.instant()))
            .param("name", name)
            .update();
    if (updated == 0) {
      throw new NotFoundException(
          "No worker named '" + name + "' is registered: POST /api/v1/worker/register first");
    }
    String capabilities =
        jdbc.sql("SELECT capabilities FROM worker WHERE name = :name")
            .param("name", name)
            .query(String.class)
            .single();
    Set<String> result = new TreeSet<>();
    Arrays.stream(capabilities.split(",")).filter(c -> !c.isBlank()).forEach(result::add);
    return result;
  }

  /** A heartbeat: the worker is alive and trains at {@code imagesPerSecond} in all. */
  public void heartbeat(String name, double imagesPerSecond) {
    jdbc.sql(
            """
            UPDATE worker SET last_heartbeat_at = :now, images_per_second = :speed
             WHERE name = :name
            """)
        .param("now", toSql(clock.instant()))
        .param("speed", imagesPerSecond)
        .param("name", name)
        .update();
  }

  /**
   * Every registered worker, by name, with its state as of now ({@code lost} after {@code
   * silence}).
   */
  public List<WorkerInfo> list(Duration silence) {
    Map<String, List<Long>> leases = new HashMap<>();
    jdbc.sql(
            "SELECT lease_owner, id FROM trial WHERE status = 'running'"
                + " AND lease_owner IS NOT NULL ORDER BY id")
        .query(
            (row, n) ->
                leases
                    .computeIfAbsent(row.getString("lease_owner"), k -> new ArrayList<>())
                    .add(row.getLong("id")))
        .list();
    Instant lostBefore = clock.instant().minus(silence);
    return jdbc.sql(
            """
            SELECT name, host, slots, capabilities, last_heartbeat_at, images_per_second
              FROM worker ORDER BY name
            """)
        .query(
            (row, n) -> {
              String name = row.getString("name");
              Instant last = instant(row, "last_heartbeat_at");
              List<Long> current = leases.getOrDefault(name, List.of());
              boolean lost = last.isBefore(lostBefore);
              String state = lost ? LOST : current.isEmpty() ? IDLE : BUSY;
              return new WorkerInfo(
                  name,
                  row.getString("host"),
                  row.getInt("slots"),
                  Arrays.stream(row.getString("capabilities").split(","))
                      .filter(c -> !c.isBlank())
                      .toList(),
                  current,
                  last.toString(),
                  // the speed is reported by heartbeats, which stop with the last trial
                  lost || current.isEmpty() ? 0 : row.getDouble("images_per_second"),
                  state);
            })
        .list();
  }
}
