package dev.digitlab.server.events;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.testing.StoreContractTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the event store promises, on every database it runs on. */
public abstract class EventStoreContractTest extends StoreContractTest {

  private long trialId;

  @BeforeEach
  void aRunningTrial() {
    create(anExperiment());
    Lease lease = claim();
    trialId = lease.trialId();
  }

  @Test
  void the_latest_event_id_of_a_trial_and_of_its_experiment() {
    assertThat(events.lastId(trialId)).isZero();
    events.append(trialId, 1, metrics(0, 3));
    long last = events.after(trialId, 0, 100).getLast().id();

    assertThat(events.lastId(trialId)).isEqualTo(last);
    long experimentId = trials.get(trialId).experimentId();
    assertThat(events.lastIdInExperiment(experimentId)).isEqualTo(last);
    assertThat(events.lastIdInExperiment(experimentId + 1000)).isZero();
  }

  @Test
  void appending_the_same_batch_twice_stores_it_once() {
    List<NewEvent> batch = metrics(0, 3);

    assertThat(events.append(trialId, 1, batch)).isEqualTo(3);
    assertThat(events.append(trialId, 1, batch)).isZero();

    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 2L);
  }

  @Test
  void a_resent_batch_that_overlaps_stores_only_the_new_events_and_keeps_the_first_copy() {
    events.append(trialId, 1, List.of(new NewEvent(0, EventType.LOG, "{\"line\":\"first\"}")));

    int stored =
        events.append(
            trialId,
            1,
            List.of(
                new NewEvent(0, EventType.LOG, "{\"line\":\"resent\"}"),
                new NewEvent(1, EventType.LOG, "{\"line\":\"second\"}")));

    assertThat(stored).isEqualTo(1);
    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::payload)
        .containsExactly("{\"line\":\"first\"}", "{\"line\":\"second\"}");
  }

  @Test
  void the_same_batch_sent_twice_at_once_is_stored_once() throws Exception {
    List<NewEvent> batch = metrics(0, 500);
    CountDownLatch start = new CountDownLatch(1);
    Callable<Integer> send =
        () -> {
          start.await();
          return events.append(trialId, 1, batch);
        };
    ExecutorService senders = Executors.newFixedThreadPool(2);
    try {
      Future<Integer> first = senders.submit(send);
      Future<Integer> second = senders.submit(send);
      start.countDown();

      assertThat(first.get(60, TimeUnit.SECONDS) + second.get(60, TimeUnit.SECONDS)).isEqualTo(500);
    } finally {
      senders.shutdownNow();
    }
    assertThat(events.after(trialId, 0, 1000)).hasSize(500);
  }

  @Test
  void a_duplicate_inside_one_batch_is_stored_once() {
    NewEvent event = new NewEvent(7, EventType.PROGRESS, "{\"progress\":0.5}");

    assertThat(events.append(trialId, 1, List.of(event, event))).isEqualTo(1);
    assertThat(events.after(trialId, 0, 100)).hasSize(1);
  }

  @Test
  void each_attempt_numbers_its_events_from_zero() {
    events.append(trialId, 1, metrics(0, 2));

    assertThat(events.append(trialId, 2, metrics(0, 2))).isEqualTo(2);
    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::attempt)
        .containsExactly(1, 1, 2, 2);
  }

  @Test
  void events_after_an_id_come_in_order_a_page_at_a_time() {
    events.append(trialId, 1, metrics(0, 5));
    List<TrialEvent> all = events.after(trialId, 0, 100);

    List<TrialEvent> firstPage = events.after(trialId, 0, 2);
    List<TrialEvent> rest = events.after(trialId, firstPage.getLast().id(), 100);

    assertThat(firstPage).extracting(TrialEvent::seq).containsExactly(0L, 1L);
    assertThat(rest).extracting(TrialEvent::seq).containsExactly(2L, 3L, 4L);
    assertThat(all).extracting(TrialEvent::id).isSorted().doesNotHaveDuplicates();
    assertThat(events.after(trialId, all.getLast().id(), 100)).isEmpty();
  }

  @Test
  void a_stored_event_keeps_its_type_payload_and_time() {
    events.append(trialId, 1, List.of(new NewEvent(0, EventType.ARTIFACT, "{\"name\":\"model\"}")));

    TrialEvent stored = events.after(trialId, 0, 1).getFirst();

    assertThat(stored.trialId()).isEqualTo(trialId);
    assertThat(stored.type()).isEqualTo(EventType.ARTIFACT);
    assertThat(stored.payload()).isEqualTo("{\"name\":\"model\"}");
    assertThat(stored.createdAt()).isEqualTo(clock.instant());
  }

  @Test
  void another_trials_events_are_not_in_this_stream() {
    create(anExperiment());
    long otherTrial = claim().trialId();
    events.append(otherTrial, 1, metrics(0, 3));
    events.append(trialId, 1, metrics(0, 1));

    assertThat(events.after(trialId, 0, 100)).extracting(TrialEvent::trialId).containsOnly(trialId);
  }

  @Test
  void events_of_one_type_come_in_stored_order_a_page_at_a_time() {
    events.append(trialId, 1, List.of(log(1), metric(2), log(3), metric(4), log(5)));

    List<TrialEvent> first = events.ofType(trialId, EventType.LOG, 0, 2);
    List<TrialEvent> rest = events.ofType(trialId, EventType.LOG, first.getLast().id(), 100);

    assertThat(first).extracting(TrialEvent::seq).containsExactly(1L, 3L);
    assertThat(rest).extracting(TrialEvent::seq).containsExactly(5L);
    assertThat(events.ofType(trialId, EventType.METRIC, 0, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(2L, 4L);
  }

  @Test
  void events_of_one_type_after_a_seq_span_the_attempts_in_seq_order() {
    events.append(trialId, 1, List.of(log(1), metric(2), log(3)));
    // The next attempt continues the numbering, and is stored after the first.
    events.append(trialId, 2, List.of(log(4), log(5)));

    assertThat(events.ofTypeAfterSeq(trialId, EventType.LOG, 0, 2))
        .extracting(TrialEvent::seq, TrialEvent::attempt)
        .containsExactly(tuple(1L, 1), tuple(3L, 1));
    assertThat(events.ofTypeAfterSeq(trialId, EventType.LOG, 3, 100))
        .extracting(TrialEvent::seq, TrialEvent::attempt)
        .containsExactly(tuple(4L, 2), tuple(5L, 2));
    assertThat(events.ofTypeAfterSeq(trialId, EventType.LOG, 5, 100)).isEmpty();
  }

  @Test
  void an_experiments_stream_merges_its_trials_in_stored_order_and_holds_no_others() {
    long experimentId = create(anExperiment().withTrials(2)).id();
    List<Long> itsTrials =
        trials.listByExperiment(experimentId).stream().map(trial -> trial.id()).toList();
    events.append(itsTrials.get(0), 1, metrics(0, 2));
    events.append(trialId, 1, metrics(0, 2)); // another experiment's trial
    events.append(itsTrials.get(1), 1, metrics(0, 1));
    events.append(itsTrials.get(0), 1, metrics(2, 1));

    List<TrialEvent> stream = events.afterInExperiment(experimentId, 0, 100);

    assertThat(stream).extracting(TrialEvent::id).isSorted();
    assertThat(stream)
        .extracting(TrialEvent::trialId)
        .containsExactly(itsTrials.get(0), itsTrials.get(0), itsTrials.get(1), itsTrials.get(0));
    assertThat(events.afterInExperiment(experimentId, stream.get(1).id(), 100))
        .extracting(TrialEvent::id)
        .containsExactly(stream.get(2).id(), stream.get(3).id());
  }

  // Events are stored in blocks (runs of one batch's events of one type); a reader must not tell.

  @Test
  void a_batch_mixing_types_keeps_its_order_and_each_events_type() {
    List<NewEvent> batch =
        List.of(metric(0), metric(1), log(2), metric(3), new NewEvent(4, EventType.PROGRESS, "{}"));

    assertThat(events.append(trialId, 1, batch)).isEqualTo(5);

    List<TrialEvent> stored = events.after(trialId, 0, 100);
    assertThat(stored)
        .extracting(TrialEvent::seq, TrialEvent::type, TrialEvent::payload)
        .containsExactlyElementsOf(
            batch.stream().map(e -> tuple(e.seq(), e.type(), e.payload())).toList());
    assertThat(stored).extracting(TrialEvent::id).isSorted().doesNotHaveDuplicates();
    assertThat(events.ofType(trialId, EventType.METRIC, 0, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 3L);
    assertThat(events.find(trialId, 1, 2)).map(TrialEvent::type).contains(EventType.LOG);
    assertThat(events.find(trialId, 1, 4).orElseThrow().id()).isEqualTo(stored.getLast().id());
    assertThat(events.lastId(trialId)).isEqualTo(stored.getLast().id());
    assertThat(events.lastSeq(trialId)).isEqualTo(4);
  }

  @Test
  void small_pages_cross_block_boundaries_without_losing_or_repeating_an_event() {
    events.append(trialId, 1, metrics(0, 5));
    events.append(trialId, 1, metrics(5, 5));
    events.append(trialId, 1, List.of(log(10), metric(11), metric(12)));

    assertThat(pagesById(3, (after, limit) -> events.after(trialId, after, limit)))
        .extracting(TrialEvent::seq)
        .containsExactlyElementsOf(LongStream.range(0, 13).boxed().toList());
    assertThat(
            pagesById(2, (after, limit) -> events.ofType(trialId, EventType.METRIC, after, limit)))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 11L, 12L);
    long experimentId = trials.get(trialId).experimentId();
    assertThat(pagesById(4, (after, limit) -> events.afterInExperiment(experimentId, after, limit)))
        .hasSize(13);
    List<Long> bySeq = new ArrayList<>();
    long afterSeq = -1;
    for (List<TrialEvent> page;
        !(page = events.ofTypeAfterSeq(trialId, EventType.METRIC, afterSeq, 3)).isEmpty(); ) {
      assertThat(page).hasSizeLessThanOrEqualTo(3);
      page.forEach(event -> bySeq.add(event.seq()));
      afterSeq = page.getLast().seq();
    }
    assertThat(bySeq).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 11L, 12L);
  }

  @Test
  void a_batch_longer_than_a_block_keeps_every_event_with_its_own_increasing_id() {
    int count = EventStore.MAX_BLOCK_EVENTS + 50;

    assertThat(events.append(trialId, 1, metrics(0, count))).isEqualTo(count);

    List<TrialEvent> stored = pagesById(EventStore.MAX_PAGE, (a, l) -> events.after(trialId, a, l));
    assertThat(stored)
        .extracting(TrialEvent::seq)
        .containsExactlyElementsOf(LongStream.range(0, count).boxed().toList());
    assertThat(events.append(trialId, 1, metrics(count - 100, 101))).isEqualTo(1);
  }

  @Test
  void superseding_part_of_a_block_hides_only_the_events_from_that_seq_on() {
    events.append(trialId, 1, metrics(0, 10));

    events.supersedeAfter(trialId, 2, 6);

    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(pagesById(4, (after, limit) -> events.after(trialId, after, limit)))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(events.find(trialId, 1, 5)).isPresent();
    assertThat(events.find(trialId, 1, 6)).isEmpty();
    assertThat(events.ofTypeAfterSeq(trialId, EventType.METRIC, 4, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(5L);

    // A later resume point does not bring superseded events back; an earlier one hides more.
    events.supersedeAfter(trialId, 3, 8);
    assertThat(events.after(trialId, 0, 100)).hasSize(6);
    events.supersedeAfter(trialId, 3, 3);
    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 2L);
    // The resuming attempt's own events are not superseded, nor is anything by a first attempt.
    events.append(trialId, 3, metrics(3, 2));
    events.supersedeAfter(trialId, 3, 3);
    events.supersedeAfter(trialId, 1, 0);
    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::seq, TrialEvent::attempt)
        .containsExactly(tuple(0L, 1), tuple(1L, 1), tuple(2L, 1), tuple(3L, 3), tuple(4L, 3));
  }

  @Test
  void a_resend_overlapping_two_blocks_stores_only_what_neither_holds() {
    events.append(trialId, 1, metrics(0, 5));
    events.append(trialId, 1, List.of(log(5), log(6), metric(7)));

    int stored =
        events.append(
            trialId, 1, List.of(metric(3), metric(4), log(6), metric(7), metric(8), log(9)));

    assertThat(stored).isEqualTo(2);
    assertThat(events.after(trialId, 0, 100))
        .extracting(TrialEvent::seq)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(events.append(trialId, 2, metrics(0, 3)))
        .as("another attempt's seqs are its own")
        .isEqualTo(3);
  }

  /** Every event a paged read returns, reading pages of {@code limit} after the last id seen. */
  private static List<TrialEvent> pagesById(int limit, PagedRead read) {
    List<TrialEvent> all = new ArrayList<>();
    long after = 0;
    for (List<TrialEvent> page; !(page = read.page(after, limit)).isEmpty(); ) {
      assertThat(page).hasSizeLessThanOrEqualTo(limit);
      all.addAll(page);
      after = page.getLast().id();
    }
    assertThat(all).extracting(TrialEvent::id).isSorted().doesNotHaveDuplicates();
    return all;
  }

  private interface PagedRead {
    List<TrialEvent> page(long afterId, int limit);
  }

  private static NewEvent log(long seq) {
    return new NewEvent(
        seq, EventType.LOG, "{\"level\":\"INFO\",\"message\":\"line " + seq + "\"}");
  }

  private static NewEvent metric(long seq) {
    return new NewEvent(seq, EventType.METRIC, "{\"key\":\"loss\",\"step\":" + seq + "}");
  }

  private static List<NewEvent> metrics(long fromSeq, int count) {
    return LongStream.range(fromSeq, fromSeq + count)
        .mapToObj(
            seq -> new NewEvent(seq, EventType.METRIC, "{\"key\":\"loss\",\"step\":" + seq + "}"))
        .toList();
  }
}
