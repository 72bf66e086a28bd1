package dev.digitlab.server.events;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.queue.LeaseLostException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each trial's append-only event stream. Readers never see superseded events: those a dead attempt
 * recorded after the checkpoint its successor resumed from (see {@code TrialQueue.claim}).
 */
@Component
public class EventStore {

  /** The most events one read returns. */
  public static final int MAX_PAGE = 10_000;

  private static final int MAX_INSERT_ROUNDS = 5;

  /** Rows per INSERT statement: 6 parameters each, well under PostgreSQL's 65,535. */
  private static final int ROWS_PER_INSERT = 250;

  /** The INSERT statement for each row count used so far (at most {@link #ROWS_PER_INSERT}). */
  private static final Map<Integer, String> INSERT_ROWS = new ConcurrentHashMap<>();

  // JdbcClient cannot bind a statement's parameters in a loop, which the multi-row insert needs.
  private final JdbcTemplate batches;
  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final EventSignals signals;

  public EventStore(
      JdbcTemplate jdbcTemplate,
      PlatformTransactionManager transactions,
      Clock clock,
      EventSignals signals) {
    this.batches = jdbcTemplate;
    this.jdbc = JdbcClient.create(jdbcTemplate);
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.signals = signals;
  }

  /**
   * Appends a batch of one attempt's events, all or none. An event whose (trial, attempt, seq) is
   * already stored is skipped, not an error: a worker resending a batch it is unsure about adds
   * nothing. Returns how many events were new.
   */
  public int append(long trialId, int attempt, List<NewEvent> events) {
    return append(trialId, attempt, null, events);
  }

  /**
   * Appends as {@link #append(long, int, List)} does, but only while {@code leaseToken} holds the
   * trial: checked under a lock on the trial's row in the insert's transaction, so a sweeper that
   * requeues the trial cannot slip in between the check and the insert.
   *
   * @throws LeaseLostException if the token no longer holds the trial; nothing is stored
   */
  public int appendFenced(long trialId, int attempt, UUID leaseToken, List<NewEvent> events) {
    return append(trialId, attempt, Objects.requireNonNull(leaseToken, "leaseToken"), events);
  }

  private int append(long trialId, int attempt, UUID leaseToken, List<NewEvent> events) {
    if (events.isEmpty()) {
      return 0;
    }
    OffsetDateTime now = toSql(clock.instant());
    List<NewEvent> stored = null;
    for (int round = 1; stored == null; round++) {
      try {
        stored = insert(trialId, attempt, leaseToken, events, now);
      } catch (DuplicateKeyException raced) {
        // Appends take turns on the experiment's row and look up what is stored under it, so
        // this takes a writer that does not: the batch rolled back, and the next round sees the
        // other writer's events and skips them.
        if (round == MAX_INSERT_ROUNDS) {
          throw raced;
        }
      }
    }
    if (!stored.isEmpty()) {
      Map<EventType, Integer> storedByType = new EnumMap<>(EventType.class);
      for (NewEvent event : stored) {
        storedByType.merge(event.type(), 1, Integer::sum);
      }
      signals.appended(storedByType);
    }
    return stored.size();
  }

  /** Stores those of the events that are new, in one transaction, and returns them. */
  private List<NewEvent> insert(
      long trialId, int attempt, UUID leaseToken, List<NewEvent> events, OffsetDateTime now) {
    return transaction.execute(
        status -> {
          // The trial's row before the experiment's, in the order the queue's claim, sweep and
          // completion lock them, so that the two cannot deadlock.
          if (leaseToken != null
              && jdbc.sql(
                      """
                      SELECT id FROM trial WHERE id = :id AND lease_token = :token
                         AND attempt = :attempt AND status = 'running' FOR UPDATE
                      """)
                  .param("id", trialId)
                  .param("token", leaseToken)
                  .param("attempt", attempt)
                  .query(Long.class)
                  .optional()
                  .isEmpty()) {
            throw new LeaseLostException(trialId);
          }
          // Appends to one experiment's trials take turns on its row, so that their events'
          // ids are committed in increasing order: a stream reading "id > last seen" can then
          // never pass over an id whose transaction commits later. Taking turns also means no
          // other append can store this attempt's events between the look-up below and the
          // insert, so one look-up of the batch's seq range replaces a check per row.
          jdbc.sql(
                  """
                  SELECT id FROM experiment
                   WHERE id = (SELECT experiment_id FROM trial WHERE id = :trial) FOR UPDATE
                  """)
              .param("trial", trialId)
              .query(Long.class)
              .optional();
          List<NewEvent> fresh = withoutStored(trialId, attempt, events);
          for (int from = 0; from < fresh.size(); from += ROWS_PER_INSERT) {
            insertRows(
                trialId,
                attempt,
                fresh.subList(from, Math.min(fresh.size(), from + ROWS_PER_INSERT)),
                now);
          }
          return fresh;
        });
  }

  /**
   * The events whose (trial, attempt, seq) is not stored yet, each seq once (the first of a batch
   * that repeats one), in the batch's order.
   */
  private List<NewEvent> withoutStored(long trialId, int attempt, List<NewEvent> events) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (NewEvent event : events) {
      min = Math.min(min, event.seq());
      max = Math.max(max, event.seq());
    }
    Set<Long> seen =
        new HashSet<>(
            jdbc.sql(
                    """
                    SELECT seq FROM trial_event
                     WHERE trial_id = :trial AND attempt = :attempt AND seq BETWEEN :min AND :max
                    """)
                .param("trial", trialId)
                .param("attempt", attempt)
                .param("min", min)
                .param("max", max)
                .query(Long.class)
                .list());
    List<NewEvent> fresh = new ArrayList<>(events.size());
    for (NewEvent event : events) {
      if (seen.add(event.seq())) {
        fresh.add(event);
      }
    }
    return fresh;
  }

  /**
   * One multi-row INSERT: a JDBC batch would still run a statement per row (H2 runs each row as its
   * own command), where one statement of many rows parses and starts once.
   */
  private void insertRows(long trialId, int attempt, List<NewEvent> rows, OffsetDateTime now) {
    batches.update(
        INSERT_ROWS.computeIfAbsent(rows.size(), EventStore::insertStatement),
        statement -> {
          int column = 1;
          for (NewEvent event : rows) {
            statement.setLong(column++, trialId);
            statement.setInt(column++, attempt);
            statement.setLong(column++, event.seq());
            statement.setString(column++, event.type().dbValue());
            statement.setString(column++, event.payload());
            statement.setObject(column++, now);
          }
        });
  }

  private static String insertStatement(int rows) {
    StringJoiner values =
        new StringJoiner(
            ", ",
            "INSERT INTO trial_event (trial_id, attempt, seq, type, payload, created_at) VALUES ",
            "");
    for (int row = 0; row < rows; row++) {
      values.add("(?, ?, ?, ?, ?, ?)");
    }
    return values.toString();
  }

  /** Up to {@code limit} of the trial's events stored after the event {@code afterId}, in order. */
  public List<TrialEvent> after(long trialId, long afterId, int limit) {
    checkLimit(limit);
    return jdbc.sql(
            """
            SELECT id, trial_id, attempt, seq, type, payload, created_at FROM trial_event
             WHERE trial_id = :trial AND id > :after AND superseded = FALSE
             ORDER BY id LIMIT :limit
            """)
        .param("trial", trialId)
        .param("after", afterId)
        .param("limit", limit)
        .query(EventStore::event)
        .list();
  }

  /**
   * Up to {@code limit} of the trial's events of one type stored after the event {@code afterId},
   * in the order they were stored.
   */
  public List<TrialEvent> ofType(long trialId, EventType type, long afterId, int limit) {
    checkLimit(limit);
    return jdbc.sql(
            """
            SELECT id, trial_id, attempt, seq, type, payload, created_at FROM trial_event
             WHERE trial_id = :trial AND type = :type AND id > :after AND superseded = FALSE
             ORDER BY id LIMIT :limit
            """)
        .param("trial", trialId)
        .param("type", type.dbValue())
        .param("after", afterId)
        .param("limit", limit)
        .query(EventStore::event)
        .list();
  }

  /**
   * Up to {@code limit} of the trial's events of one type whose seq is greater than {@code
   * afterSeq}, by seq (then attempt): a trial's attempts continue one numbering, so seq pages
   * through all of them.
   */
  public List<TrialEvent> ofTypeAfterSeq(long trialId, EventType type, long afterSeq, int limit) {
    checkLimit(limit);
    return jdbc.sql(
            """
            SELECT id, trial_id, attempt, seq, type, payload, created_at FROM trial_event
             WHERE trial_id = :trial AND type = :type AND seq > :after AND superseded = FALSE
             ORDER BY seq, attempt LIMIT :limit
            """)
        .param("trial", trialId)
        .param("type", type.dbValue())
        .param("after", afterSeq)
        .param("limit", limit)
        .query(EventStore::event)
        .list();
  }

  /**
   * Up to {@code limit} events of all the experiment's trials stored after the event {@code
   * afterId}, in the order they were stored.
   */
  public List<TrialEvent> afterInExperiment(long experimentId, long afterId, int limit) {
    checkLimit(limit);
    return jdbc.sql(
            """
            SELECT e.id, e.trial_id, e.attempt, e.seq, e.type, e.payload, e.created_at
              FROM trial_event e JOIN trial t ON t.id = e.trial_id
             WHERE t.experiment_id = :experiment AND e.id > :after AND e.superseded = FALSE
             ORDER BY e.id LIMIT :limit
            """)
        .param("experiment", experimentId)
        .param("after", afterId)
        .param("limit", limit)
        .query(EventStore::event)
        .list();
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_PAGE + ", not " + limit);
    }
  }

  private static TrialEvent event(ResultSet row, int rowNumber) throws SQLException {
    return new TrialEvent(
        row.getLong("id"),
        row.getLong("trial_id"),
        row.getInt("attempt"),
        row.getLong("seq"),
        EventType.fromDb(row.getString("type")),
        row.getString("payload"),
        instant(row, "created_at"));
  }

  /** The event (trial, attempt, seq), if it is stored and not superseded. */
  public Optional<TrialEvent> find(long trialId, int attempt, long seq) {
    return jdbc.sql(
            """
            SELECT id, trial_id, attempt, seq, type, payload, created_at FROM trial_event
             WHERE trial_id = :trial AND attempt = :attempt AND seq = :seq
               AND superseded = FALSE
            """)
        .param("trial", trialId)
        .param("attempt", attempt)
        .param("seq", seq)
        .query(EventStore::event)
        .optional();
  }

  /** The greatest seq stored for the trial over all its attempts; 0 when it has no events. */
  public long lastSeq(long trialId) {
    return jdbc.sql("SELECT COALESCE(MAX(seq), 0) FROM trial_event WHERE trial_id = :id")
        .param("id", trialId)
        .query(Long.class)
        .single();
  }

  /**
   * The id of the trial's latest event; 0 when it has none. A page opens its live stream after it,
   * having read the history through the paged endpoints.
   */
  public long lastId(long trialId) {
    return jdbc.sql("SELECT COALESCE(MAX(id), 0) FROM trial_event WHERE trial_id = :id")
        .param("id", trialId)
        .query(Long.class)
        .single();
  }

  /** The id of the latest event of any of the experiment's trials; 0 when there is none. */
  public long lastIdInExperiment(long experimentId) {
    return jdbc.sql(
            "SELECT COALESCE(MAX(e.id), 0) FROM trial_event e JOIN trial t ON t.id = e.trial_id"
                + " WHERE t.experiment_id = :id")
        .param("id", experimentId)
        .query(Long.class)
        .single();
  }
}
