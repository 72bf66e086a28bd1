package dev.digitlab.server.experiments;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.StoreContractTest;
import dev.digitlab.server.trials.Trial;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the experiment store promises, on every database it runs on. */
public abstract class ExperimentStoreContractTest extends StoreContractTest {

  @Test
  void creates_an_experiment_with_its_six_trials_queued() {
    Experiment experiment =
        create(anExperiment().named("lr-and-batch").taggedWith("mlp", "grid").withTrials(6));

    assertThat(experiment.name()).isEqualTo("lr-and-batch");
    assertThat(experiment.tags()).containsExactly("mlp", "grid");
    assertThat(experiment.status()).isEqualTo(ExperimentStatus.QUEUED);
    assertThat(experiment.objective()).isEqualTo(Objective.DEFAULT);
    assertThat(experiment.createdAt()).isEqualTo(clock.instant());
    assertThat(experiment.bestTrialId()).isNull();
    assertThat(experiments.find(experiment.id())).contains(experiment);
    List<Trial> stored = trials.listByExperiment(experiment.id());
    assertThat(stored).extracting(Trial::ordinal).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(stored).extracting(Trial::status).containsOnly(TrialStatus.QUEUED);
    assertThat(stored).extracting(Trial::attempt).containsOnly(0);
    assertThat(stored.get(3).config()).isEqualTo("{\"model\":\"mlp\",\"learningRate\":0.003}");
  }

  @Test
  void an_experiment_that_does_not_exist_is_not_found() {
    assertThat(experiments.find(404)).isEmpty();
    assertThat(experiments.delete(404)).isFalse();
  }

  @Test
  void deleting_an_experiment_removes_its_trials_and_their_events() {
    Experiment doomed = create(anExperiment().withTrials(3));
    Experiment kept = create(anExperiment());
    Lease lease = claim();
    events.append(lease.trialId(), 1, List.of(new NewEvent(0, EventType.LOG, "{\"line\":\"hi\"}")));
    succeed(lease, 0.9, 0.9); // makes it the best trial: the experiment row points at it

    assertThat(experiments.delete(doomed.id())).isTrue();

    assertThat(experiments.find(doomed.id())).isEmpty();
    assertThat(trials.listByExperiment(doomed.id())).isEmpty();
    assertThat(trials.find(lease.trialId())).isEmpty();
    assertThat(events.after(lease.trialId(), 0, 100)).isEmpty();
    assertThat(trials.listByExperiment(kept.id())).hasSize(1);
  }

  @Test
  void lists_sorted_by_best_test_accuracy() {
    Experiment good = create(anExperiment().named("good"));
    succeed(claim(), 0.97, 0.5);
    Experiment best = create(anExperiment().named("best").withTrials(2));
    succeed(claim(), 0.95, 0.5);
    succeed(claim(), 0.99, 0.5);
    Experiment poor = create(anExperiment().named("poor"));
    succeed(claim(), 0.80, 0.5);
    Experiment unfinished = create(anExperiment().named("unfinished"));
    claim(); // runs, without a result yet

    var descending = query().sortedBy(ExperimentSort.BEST_TEST_ACCURACY, true);
    var ascending = query().sortedBy(ExperimentSort.BEST_TEST_ACCURACY, false);

    assertThat(ids(experiments.list(descending)))
        .containsExactly(best.id(), good.id(), poor.id(), unfinished.id());
    assertThat(ids(experiments.list(ascending)))
        .as("experiments without a result come last either way")
        .containsExactly(poor.id(), good.id(), best.id(), unfinished.id());
    assertThat(experiments.find(best.id()).orElseThrow().bestTestAccuracy()).isEqualTo(0.99);
  }

  @Test
  void lists_sorted_by_name_creation_and_total_train_time() {
    Experiment zeta = create(anExperiment().named("zeta"));
    clock.advance(Duration.ofSeconds(1));
    Experiment alpha = create(anExperiment().named("alpha").withTrials(2));
    succeed(claim(), 0.9, 0.9); // zeta: 12.5 s
    succeed(claim(), 0.9, 0.9); // alpha: 12.5 s
    succeed(claim(), 0.9, 0.9); // alpha: 25 s

    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.NAME, false))))
        .containsExactly(alpha.id(), zeta.id());
    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.CREATED, true))))
        .containsExactly(alpha.id(), zeta.id());
    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.TOTAL_TRAIN_SECONDS, true))))
        .containsExactly(alpha.id(), zeta.id());
    assertThat(experiments.find(alpha.id()).orElseThrow().totalTrainSeconds()).isEqualTo(25.0);
  }

  @Test
  void lists_sorted_by_status_and_by_finished_trials() {
    Experiment twoDone = create(anExperiment().named("two-done").withTrials(2));
    succeed(claim(), 0.9, 0.9);
    succeed(claim(), 0.9, 0.9);
    Experiment oneDone = create(anExperiment().named("one-done").withTrials(3));
    succeed(claim(), 0.9, 0.9);
    claim(); // running
    Experiment noneDone = create(anExperiment().named("none-done"));

    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.TRIALS_DONE, true))))
        .containsExactly(twoDone.id(), oneDone.id(), noneDone.id());
    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.TRIALS_DONE, false))))
        .containsExactly(noneDone.id(), oneDone.id(), twoDone.id());
    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.STATUS, false))))
        .as("alphabetical by status: queued, running, succeeded")
        .containsExactly(noneDone.id(), oneDone.id(), twoDone.id());
  }

  @Test
  void lists_filtered_by_status_tag_and_name_text() {
    Experiment cnn = create(anExperiment().named("CNN baseline").taggedWith("cnn", "baseline"));
    Experiment mlp = create(anExperiment().named("mlp sweep").taggedWith("mlp"));
    Experiment cnnWide = create(anExperiment().named("cnn wide").taggedWith("cnn-wide"));
    succeed(claim(), 0.9, 0.9); // the CNN baseline succeeds

    assertThat(ids(experiments.list(query().withTag("cnn")))).containsExactly(cnn.id());
    assertThat(ids(experiments.list(query().withNameContaining("cnn"))))
        .containsExactlyInAnyOrder(cnn.id(), cnnWide.id());
    assertThat(ids(experiments.list(query().withStatus(ExperimentStatus.QUEUED))))
        .containsExactlyInAnyOrder(mlp.id(), cnnWide.id());
    assertThat(ids(experiments.list(query().withStatus(ExperimentStatus.SUCCEEDED).withTag("cnn"))))
        .containsExactly(cnn.id());
    assertThat(experiments.list(query().withNameContaining("100%")).items()).isEmpty();
  }

  @Test
  void keeps_the_owner_and_lists_filtered_and_sorted_by_it() {
    Experiment alices = create(anExperiment().named("a").ownedBy("alice"));
    Experiment bobs = create(anExperiment().named("b").ownedBy("bob"));
    Experiment alicesToo = create(anExperiment().named("c").ownedBy("alice"));
    Experiment local = create(anExperiment().named("d"));

    assertThat(experiments.find(alices.id()).orElseThrow().owner()).isEqualTo("alice");
    assertThat(experiments.owner(bobs.id())).contains("bob");
    assertThat(experiments.owner(404)).isEmpty();
    assertThat(local.owner()).isEqualTo("local");
    Page<Experiment> ofAlice = experiments.list(query().withOwner("alice"));
    assertThat(ids(ofAlice)).containsExactlyInAnyOrder(alices.id(), alicesToo.id());
    assertThat(ofAlice.total()).isEqualTo(2);
    // exact, not a prefix or a LIKE pattern
    assertThat(experiments.list(query().withOwner("ali")).items()).isEmpty();
    assertThat(experiments.list(query().withOwner("%")).items()).isEmpty();
    assertThat(ids(experiments.list(query().withOwner("alice").withNameContaining("c"))))
        .containsExactly(alicesToo.id());
    assertThat(ids(experiments.list(query().sortedBy(ExperimentSort.OWNER, false))))
        .containsExactly(alices.id(), alicesToo.id(), bobs.id(), local.id());
  }

  @Test
  void lists_page_by_page_with_the_total() {
    for (int i = 0; i < 5; i++) {
      create(anExperiment().named("experiment " + i));
    }

    Page<Experiment> second =
        experiments.list(query().sortedBy(ExperimentSort.NAME, false).page(2, 2));

    assertThat(second.total()).isEqualTo(5);
    assertThat(second.items())
        .extracting(Experiment::name)
        .containsExactly("experiment 2", "experiment 3");
    assertThat(experiments.list(query().page(4, 2)).items()).hasSize(1);
  }

  @Test
  void status_rolls_up_from_the_trials() {
    Experiment experiment = create(anExperiment().withTrials(3));
    Lease first = claim();
    assertThat(statusOf(experiment)).isEqualTo(ExperimentStatus.RUNNING);

    succeed(first, 0.9, 0.9);
    assertThat(statusOf(experiment))
        .as("one done, two waiting")
        .isEqualTo(ExperimentStatus.RUNNING);

    fail(claim());
    succeed(claim(), 0.9, 0.9);
    assertThat(statusOf(experiment)).isEqualTo(ExperimentStatus.SUCCEEDED);
  }

  @Test
  void an_experiment_whose_trials_all_failed_has_failed() {
    Experiment experiment = create(anExperiment().withTrials(2));

    fail(claim());
    fail(claim());

    assertThat(statusOf(experiment)).isEqualTo(ExperimentStatus.FAILED);
    assertThat(experiments.find(experiment.id()).orElseThrow().bestTrialId()).isNull();
  }

  @Test
  void the_best_trial_is_the_one_with_the_best_objective() {
    Experiment maximising = create(anExperiment().withTrials(3));
    Lease low = claim();
    Lease high = claim();
    Lease middle = claim();
    succeed(low, 0.99, 0.90);
    succeed(high, 0.90, 0.98);
    succeed(middle, 0.95, 0.95);

    Experiment stored = experiments.find(maximising.id()).orElseThrow();
    assertThat(stored.bestTrialId()).isEqualTo(high.trialId());
    assertThat(stored.bestObjective()).isEqualTo(0.98);
    assertThat(stored.bestTestAccuracy()).isEqualTo(0.99);
    assertThat(stored.bestTestF1Macro()).isEqualTo(0.98);
  }

  @Test
  void a_minimising_objective_picks_the_smallest_value() {
    Experiment minimising =
        create(
            anExperiment()
                .withTrials(2)
                .objective(new Objective(ObjectiveMetric.TEST_ACCURACY, Goal.MIN)));
    Lease worse = claim();
    Lease better = claim();
    succeed(worse, 0.90, 0.5);
    succeed(better, 0.80, 0.5);

    assertThat(experiments.find(minimising.id()).orElseThrow().bestTrialId())
        .isEqualTo(better.trialId());
  }

  @Test
  void cancelling_cancels_queued_trials_and_asks_running_ones_to_stop() {
    Experiment experiment = create(anExperiment().withTrials(3));
    Lease running = claim();

    assertThat(experiments.cancel(experiment.id())).isTrue();

    assertThat(trials.listByExperiment(experiment.id()))
        .extracting(Trial::status)
        .containsExactly(TrialStatus.RUNNING, TrialStatus.CANCELLED, TrialStatus.CANCELLED);
    assertThat(trials.get(running.trialId()).cancelRequested()).isTrue();
    assertThat(statusOf(experiment)).isEqualTo(ExperimentStatus.CANCELLED);
    succeed(running, 0.9, 0.9);
    assertThat(statusOf(experiment)).as("stays cancelled").isEqualTo(ExperimentStatus.CANCELLED);
  }

  private ExperimentStatus statusOf(Experiment experiment) {
    return experiments.find(experiment.id()).orElseThrow().status();
  }

  private static ExperimentQuery query() {
    return ExperimentQuery.newestFirst();
  }

  private static List<Long> ids(Page<Experiment> page) {
    return page.items().stream().map(Experiment::id).toList();
  }
}
