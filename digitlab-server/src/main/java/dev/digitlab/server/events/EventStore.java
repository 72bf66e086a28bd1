package dev.digitlab.server.events;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.database.AfterCommit;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each trial's append-only event stream. Readers never see superseded events: those a dead attempt
 * recorded after the checkpoint its successor resumed from (see {@code TrialQueue.claim}).
 *
 * <p>Events are stored in blocks ({@code trial_event_block}): a run of one batch's consecutive
 * events of one type is one row whose body ({@link EventBlockCodec}) holds their seqs and payloads.
 * One row per event cost a B-tree insert in three indexes each, which capped ingestion near 23,000
 * events/s on H2 however the rows were sent. A block takes one value of a sequence that counts in
 * steps of {@link #ID_STEP}; its events' ids are that value, the next, and so on, so ids stay
 * global, unique and increasing in stored order.
 */
@Component
public class EventStore {

  /** The most events one read returns. */
  public static final int MAX_PAGE = 10_000;

  /** How far apart two blocks' first ids are: the sequence's increment. */
  static final int ID_STEP = 65_536;

  /** The most events in one block (below {@link #ID_STEP}, so that blocks' ids never overlap). */
  static final int MAX_BLOCK_EVENTS = 10_000;

  /**
   * The most payload bytes in one block (a single bigger event still gets a block of its own): a
   * read that needs one event of a block fetches all of it.
   */
  static final int MAX_BLOCK_BYTES = 1 << 20;

  /** The fewest blocks a read asks for at once; it doubles while a read needs more. */
  private static final int FIRST_BLOCK_PAGE = 8;

  private static final String BLOCK_COLUMNS =
      "first_id, trial_id, attempt, type, first_seq, superseded_from_seq, body, created_at";

  /** A block with at least one event not superseded: the one of its least seq. */
  private static final String LIVE =
      "(superseded_from_seq IS NULL OR superseded_from_seq > first_seq)";

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
   *
   * <p>Joins the caller's transaction if there is one: a worker's batch is fenced by its lease (the
   * queue locks the trial's row first) and stored with the trial's progress in one transaction.
   * Readers are woken once it commits.
   */
  public int append(long trialId, int attempt, List<NewEvent> events) {
    return append(trialId, attempt, events, clock.instant());
  }

  /**
   * {@link #append(long, int, List)} with the time the events were made, for an import that keeps
   * the times of the server they came from.
   */
  public int append(long trialId, int attempt, List<NewEvent> events, Instant createdAt) {
    if (events.isEmpty()) {
      return 0;
    }
    OffsetDateTime now = toSql(createdAt);
    List<NewEvent> stored = insert(trialId, attempt, events, now);
    if (!stored.isEmpty()) {
      Map<EventType, Integer> storedByType = new EnumMap<>(EventType.class);
      for (NewEvent event : stored) {
        storedByType.merge(event.type(), 1, Integer::sum);
      }
      AfterCommit.run(() -> signals.appended(storedByType));
    }
    return stored.size();
  }

  /** Stores those of the events that are new, in one transaction, and returns them. */
  private List<NewEvent> insert(
      long trialId, int attempt, List<NewEvent> events, OffsetDateTime now) {
    return transaction.execute(
        status -> {
          // A fenced append has locked the trial's row already (TrialQueue.fence), before the
          // experiment's below: the order the queue's claim, sweep and completion lock them in,
          // so that the two cannot deadlock.
          // Appends to one experiment's trials take turns on its row, so that their events'
          // ids are committed in increasing order: a stream reading "id > last seen" can then
          // never pass over an id whose transaction commits later. Taking turns is also what
          // makes appends idempotent (no constraint can see inside a block): no other append can
          // store this attempt's events between the look-up below and the insert.
          jdbc.sql(
                  """
                  SELECT id FROM experiment
                   WHERE id = (SELECT experiment_id FROM trial WHERE id = :trial) FOR UPDATE
                  """)
              .param("trial", trialId)
              .query(Long.class)
              .optional();
          List<NewEvent> fresh = withoutStored(trialId, attempt, events);
          insertBlocks(trialId, attempt, blocks(fresh), now);
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
    List<byte[]> overlapping =
        jdbc.sql(
                """
                SELECT body FROM trial_event_block
                 WHERE trial_id = :trial AND attempt = :attempt
                   AND last_seq >= :min AND first_seq <= :max
                """)
            .param("trial", trialId)
            .param("attempt", attempt)
            .param("min", min)
            .param("max", max)
            .query((row, n) -> row.getBytes(1))
            .list();
    if (overlapping.isEmpty() && strictlyIncreasing(events)) {
      // What a worker sends nearly always: nothing to skip, and no set of thousands of seqs.
      return events;
    }
    Set<Long> seen = new HashSet<>();
    for (byte[] body : overlapping) {
      for (long seq : EventBlockCodec.seqs(body)) {
        seen.add(seq);
      }
    }
    List<NewEvent> fresh = new ArrayList<>(events.size());
    for (NewEvent event : events) {
      if (seen.add(event.seq())) {
        fresh.add(event);
      }
    }
    return fresh;
  }

  private static boolean strictlyIncreasing(List<NewEvent> events) {
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).seq() <= events.get(i - 1).seq()) {
        return false;
      }
    }
    return true;
  }

  /** The batch's maximal runs of consecutive events of one type, each cut to a block's size. */
  static List<List<NewEvent>> blocks(List<NewEvent> events) {
    List<List<NewEvent>> blocks = new ArrayList<>();
    int from = 0;
    long bytes = 0;
    for (int i = 0; i < events.size(); i++) {
      NewEvent event = events.get(i);
      // UTF-8 takes at most three bytes per char of a String
      long size = 3L * event.payload().length();
      if (i > from
          && (event.type() != events.get(from).type()
              || i - from == MAX_BLOCK_EVENTS
              || bytes + size > MAX_BLOCK_BYTES)) {
        blocks.add(events.subList(from, i));
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < events.size()) {
      blocks.add(events.subList(from, events.size()));
    }
    return blocks;
  }

  private void insertBlocks(
      long trialId, int attempt, List<List<NewEvent>> blocks, OffsetDateTime now) {
    if (blocks.isEmpty()) {
      return;
    }
    List<Long> firstIds = nextBlockIds(blocks.size());
    batches.batchUpdate(
        """
        INSERT INTO trial_event_block (first_id, last_id, trial_id, attempt, type, first_seq,
            last_seq, event_count, body, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        new BatchPreparedStatementSetter() {
          @Override
          public void setValues(PreparedStatement statement, int index) throws SQLException {
            List<NewEvent> block = blocks.get(index);
            long firstId = firstIds.get(index);
            long minSeq = Long.MAX_VALUE;
            long maxSeq = Long.MIN_VALUE;
            for (NewEvent event : block) {
              minSeq = Math.min(minSeq, event.seq());
              maxSeq = Math.max(maxSeq, event.seq());
            }
            statement.setLong(1, firstId);
            statement.setLong(2, firstId + block.size() - 1);
            statement.setLong(3, trialId);
            statement.setInt(4, attempt);
            statement.setString(5, block.getFirst().type().wireName());
            statement.setLong(6, minSeq);
            statement.setLong(7, maxSeq);
            statement.setInt(8, block.size());
            statement.setBytes(9, EventBlockCodec.encode(block));
            statement.setObject(10, now);
          }

          @Override
          public int getBatchSize() {
            return blocks.size();
          }
        });
  }

  /**
   * {@code count} new first ids, increasing. Within the experiment's lock, so later appends to the
   * experiment get greater ones.
   */
  private List<Long> nextBlockIds(int count) {
    List<Long> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(jdbc.sql("SELECT nextval('trial_event_block_id')").query(Long.class).single());
    }
    ids.sort(null);
    return ids;
  }

  /**
   * Supersedes the events of the trial's attempts before {@code attempt} whose seq is at least
   * {@code firstSeq}: the new attempt resumes from the checkpoint before them and records them
   * again. Joins the caller's transaction (the queue's claim).
   */
  public void supersedeAfter(long trialId, int attempt, long firstSeq) {
    // A block keeps the least seq superseded so far: those after it stay superseded when a later
    // attempt resumes from a later checkpoint.
    jdbc.sql(
            """
            UPDATE trial_event_block SET superseded_from_seq = :firstSeq
             WHERE trial_id = :id AND attempt < :attempt AND last_seq >= :firstSeq
               AND (superseded_from_seq IS NULL OR superseded_from_seq > :firstSeq)
            """)
        .param("id", trialId)
        .param("attempt", attempt)
        .param("firstSeq", firstSeq)
        .update();
  }

  /** Up to {@code limit} of the trial's events stored after the event {@code afterId}, in order. */
  public List<TrialEvent> after(long trialId, long afterId, int limit) {
    checkLimit(limit);
    return inIdOrder("trial_id = :owner", trialId, null, afterId, limit);
  }

  /**
   * Up to {@code limit} of the trial's events of one type stored after the event {@code afterId},
   * in the order they were stored.
   */
  public List<TrialEvent> ofType(long trialId, EventType type, long afterId, int limit) {
    checkLimit(limit);
    return inIdOrder("trial_id = :owner", trialId, type, afterId, limit);
  }

  /**
   * Up to {@code limit} events of all the experiment's trials stored after the event {@code
   * afterId}, in the order they were stored.
   */
  public List<TrialEvent> afterInExperiment(long experimentId, long afterId, int limit) {
    checkLimit(limit);
    return inIdOrder(
        "trial_id IN (SELECT id FROM trial WHERE experiment_id = :owner)",
        experimentId,
        null,
        afterId,
        limit);
  }

  /**
   * Reads blocks in id order, a page of blocks at a time (pages grow while a read needs more), and
   * stops once {@code limit} events are collected: a read never fetches more bodies than it needs
   * plus a page.
   */
  private List<TrialEvent> inIdOrder(
      String owner, long ownerId, EventType type, long afterId, int limit) {
    String sql =
        "SELECT "
            + BLOCK_COLUMNS
            + " FROM trial_event_block WHERE "
            + owner
            + (type == null ? "" : " AND type = :type")
            + " AND last_id > :after AND first_id > :cursor AND "
            + LIVE
            + " ORDER BY first_id LIMIT :blocks";
    List<TrialEvent> events = new ArrayList<>(Math.min(limit, 1024));
    long cursor = Long.MIN_VALUE;
    int page = FIRST_BLOCK_PAGE;
    while (true) {
      var query =
          jdbc.sql(sql)
              .param("owner", ownerId)
              .param("after", afterId)
              .param("cursor", cursor)
              .param("blocks", page);
      if (type != null) {
        query = query.param("type", type.wireName());
      }
      List<Block> blocks = query.query(EventStore::block).list();
      for (Block block : blocks) {
        // The block's events up to afterId are skipped undecoded; without superseded events, no
        // more are decoded than the page still needs.
        int from = (int) Math.max(0, afterId - block.firstId() + 1);
        int max = block.supersededFromSeq() == null ? limit - events.size() : Integer.MAX_VALUE;
        List<EventBlockCodec.Entry> entries = EventBlockCodec.decode(block.body(), from, max);
        for (int i = 0; i < entries.size(); i++) {
          if (block.live(entries.get(i).seq())) {
            events.add(block.event(block.firstId() + from + i, entries.get(i)));
            if (events.size() == limit) {
              return events;
            }
          }
        }
        cursor = block.firstId();
      }
      if (blocks.size() < page) {
        return events;
      }
      page = Math.min(page * 2, MAX_PAGE);
    }
  }

  /**
   * Up to {@code limit} of the trial's events of one type whose seq is greater than {@code
   * afterSeq}, by seq (then attempt): a trial's attempts continue one numbering, so seq pages
   * through all of them.
   */
  public List<TrialEvent> ofTypeAfterSeq(long trialId, EventType type, long afterSeq, int limit) {
    checkLimit(limit);
    // Blocks by their least seq; their seq ranges may overlap (attempts, batches sent out of
    // order), so events are collected and sorted, and reading stops at a block whose least seq is
    // past the limit-th event collected so far.
    Comparator<TrialEvent> bySeq =
        Comparator.comparingLong(TrialEvent::seq)
            .thenComparingInt(TrialEvent::attempt)
            .thenComparingLong(TrialEvent::id);
    List<TrialEvent> events = new ArrayList<>();
    long cursorSeq = Long.MIN_VALUE;
    int cursorAttempt = Integer.MIN_VALUE;
    long cursorId = Long.MIN_VALUE;
    int page = FIRST_BLOCK_PAGE;
    while (true) {
      List<Block> blocks =
          jdbc.sql(
                  "SELECT "
                      + BLOCK_COLUMNS
                      + " FROM trial_event_block"
                      + " WHERE trial_id = :trial AND type = :type AND last_seq > :after AND "
                      + LIVE
                      + " AND (first_seq, attempt, first_id) > (:seq, :attempt, :id)"
                      + " ORDER BY first_seq, attempt, first_id LIMIT :blocks")
              .param("trial", trialId)
              .param("type", type.wireName())
              .param("after", afterSeq)
              .param("seq", cursorSeq)
              .param("attempt", cursorAttempt)
              .param("id", cursorId)
              .param("blocks", page)
              .query(EventStore::block)
              .list();
      for (Block block : blocks) {
        if (events.size() >= limit && block.firstSeq() > events.get(limit - 1).seq()) {
          return events;
        }
        List<EventBlockCodec.Entry> entries = EventBlockCodec.decode(block.body());
        for (int i = 0; i < entries.size(); i++) {
          EventBlockCodec.Entry entry = entries.get(i);
          if (entry.seq() > afterSeq && block.live(entry.seq())) {
            events.add(block.event(block.firstId() + i, entry));
          }
        }
        events.sort(bySeq);
        if (events.size() > limit) {
          events.subList(limit, events.size()).clear();
        }
        cursorSeq = block.firstSeq();
        cursorAttempt = block.attempt();
        cursorId = block.firstId();
      }
      if (blocks.size() < page) {
        return events;
      }
      page = Math.min(page * 2, MAX_PAGE);
    }
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_PAGE + ", not " + limit);
    }
  }

  /** A stored block as read: what its events need besides their seq and payload. */
  private record Block(
      long firstId,
      long trialId,
      int attempt,
      EventType type,
      long firstSeq,
      Long supersededFromSeq,
      byte[] body,
      Instant createdAt) {

    boolean live(long seq) {
      return supersededFromSeq == null || seq < supersededFromSeq;
    }

    TrialEvent event(long id, EventBlockCodec.Entry entry) {
      return new TrialEvent(id, trialId, attempt, entry.seq(), type, entry.payload(), createdAt);
    }
  }

  private static Block block(ResultSet row, int rowNumber) throws SQLException {
    return new Block(
        row.getLong("first_id"),
        row.getLong("trial_id"),
        row.getInt("attempt"),
        EventType.fromWireName(row.getString("type")),
        row.getLong("first_seq"),
        row.getObject("superseded_from_seq", Long.class),
        row.getBytes("body"),
        instant(row, "created_at"));
  }

  /** The event (trial, attempt, seq), if it is stored and not superseded. */
  public Optional<TrialEvent> find(long trialId, int attempt, long seq) {
    List<Block> blocks =
        jdbc.sql(
                "SELECT "
                    + BLOCK_COLUMNS
                    + " FROM trial_event_block WHERE trial_id = :trial AND attempt = :attempt"
                    + " AND last_seq >= :seq AND first_seq <= :seq")
            .param("trial", trialId)
            .param("attempt", attempt)
            .param("seq", seq)
            .query(EventStore::block)
            .list();
    for (Block block : blocks) {
      if (!block.live(seq)) {
        continue;
      }
      long[] seqs = EventBlockCodec.seqs(block.body());
      for (int i = 0; i < seqs.length; i++) {
        if (seqs[i] == seq) {
          EventBlockCodec.Entry entry = EventBlockCodec.decode(block.body(), i, 1).getFirst();
          return Optional.of(block.event(block.firstId() + i, entry));
        }
      }
    }
    return Optional.empty();
  }

  /** The greatest seq stored for the trial over all its attempts; 0 when it has no events. */
  public long lastSeq(long trialId) {
    return jdbc.sql("SELECT COALESCE(MAX(last_seq), 0) FROM trial_event_block WHERE trial_id = :id")
        .param("id", trialId)
        .query(Long.class)
        .single();
  }

  /**
   * The id of the trial's latest event; 0 when it has none. A page opens its live stream after it,
   * having read the history through the paged endpoints.
   */
  public long lastId(long trialId) {
    return jdbc.sql("SELECT COALESCE(MAX(last_id), 0) FROM trial_event_block WHERE trial_id = :id")
        .param("id", trialId)
        .query(Long.class)
        .single();
  }

  /** The id of the latest event of any of the experiment's trials; 0 when there is none. */
  public long lastIdInExperiment(long experimentId) {
    return jdbc.sql(
            "SELECT COALESCE(MAX(e.last_id), 0) FROM trial_event_block e"
                + " JOIN trial t ON t.id = e.trial_id WHERE t.experiment_id = :id")
        .param("id", experimentId)
        .query(Long.class)
        .single();
  }
}
