package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Pruning decisions on synthetic curves, against values computed by hand. */
class PrunerTest {

  private static int next = 100;

  private static TreeMap<Integer, Double> curve(double... byStepFromOne) {
    TreeMap<Integer, Double> curve = new TreeMap<>();
    for (int i = 0; i < byStepFromOne.length; i++) {
      curve.put(i + 1, byStepFromOne[i]);
    }
    return curve;
  }

  private static Observation complete(double... curve) {
    TreeMap<Integer, Double> c = curve(curve);
    return new Observation(next++, TrialState.COMPLETE, Map.of(), c.lastEntry().getValue(), c);
  }

  private static Observation running(TreeMap<Integer, Double> curve) {
    return new Observation(next++, TrialState.PENDING, Map.of(), Double.NaN, curve);
  }

  private static Observation running(double... curve) {
    return running(curve(curve));
  }

  @Test
  void medianComparesTheBestSoFarWithTheMedianOfCompleteTrialsAtTheStep() {
    List<Observation> complete =
        List.of(
            complete(0.5, 0.6, 0.7),
            complete(0.6, 0.7, 0.8),
            complete(0.7, 0.8, 0.9),
            complete(0.8, 0.9),
            complete(0.9));
    MedianPruner median = new MedianPruner(5, 1);
    // Step 1: median of 0.5, 0.6, 0.7, 0.8, 0.9 is 0.7.
    assertThat(median.shouldPrune(running(0.65), complete, true)).isTrue();
    assertThat(median.shouldPrune(running(0.75), complete, true)).isFalse();
    assertThat(median.shouldPrune(running(0.7), complete, true)).isFalse();
    // Step 2: median of 0.6, 0.7, 0.8, 0.9 is 0.75; the trial's best so far counts.
    assertThat(median.shouldPrune(running(0.7, 0.74), complete, true)).isTrue();
    assertThat(median.shouldPrune(running(0.8, 0.74), complete, true)).isFalse();
    // Minimising: 0.65 at step 1 is better than 0.7.
    assertThat(median.shouldPrune(running(0.65), complete, false)).isFalse();
    assertThat(median.shouldPrune(running(0.75), complete, false)).isTrue();
    // Running trials do not make the median; fewer than 5 complete trials prune nothing.
    List<Observation> four = new ArrayList<>(complete.subList(0, 4));
    four.add(running(0.9));
    assertThat(median.shouldPrune(running(0.1), four, true)).isFalse();
    // Before the warm-up step nothing is pruned; an all-NaN curve is.
    assertThat(new MedianPruner(5, 2).shouldPrune(running(0.1), complete, true)).isFalse();
    assertThat(median.shouldPrune(running(Double.NaN), complete, true)).isTrue();
    // No complete trial reported at the step: nothing to compare with.
    assertThat(median.shouldPrune(running(0.9, 0.9, 0.9, 0.1), complete, true)).isFalse();
  }

  @Test
  void ashaRungsAreAtMinResourceTimesPowersOfTheReductionFactor() {
    SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 3, 0);
    assertThat(asha.rungStep(0)).isEqualTo(1);
    assertThat(asha.rungStep(1)).isEqualTo(3);
    assertThat(asha.rungStep(2)).isEqualTo(9);
    assertThat(new SuccessiveHalvingPruner(2, 4, 1).rungStep(1)).isEqualTo(32);
  }

  @Test
  void ashaPromotesTheTopThirdOfEachRung() {
    SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 3, 0);
    List<Observation> others =
        List.of(running(0.5), running(0.6), running(0.7), complete(0.8, 0.8, 0.8), running(0.9));
    // Rung 0 (step 1): competing 0.5 0.6 0.7 0.75 0.8 0.9; 6 // 3 - 1 = 1, so the value must be
    // ≥ the second largest, 0.8.
    assertThat(asha.shouldPrune(running(0.75), others, true)).isTrue();
    assertThat(asha.shouldPrune(running(0.8), others, true)).isFalse();
    assertThat(asha.shouldPrune(running(0.85), others, true)).isFalse();
    // Between rungs nothing is decided.
    assertThat(asha.shouldPrune(running(0.85, 0.1), others, true)).isFalse();
    // Minimising: competing sorted ascending, the value must be ≤ the second smallest, 0.6.
    assertThat(asha.shouldPrune(running(0.6), others, false)).isFalse();
    assertThat(asha.shouldPrune(running(0.65), others, false)).isTrue();
  }

  @Test
  void ashaLetsTheFirstArrivalsAtARungGoOnOnlyIfBest() {
    SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 3, 0);
    assertThat(asha.shouldPrune(running(0.5), List.of(), true)).isFalse();
    // Two at the rung: 2 // 3 - 1 = -1, taken as 0: the best only.
    assertThat(asha.shouldPrune(running(0.4), List.of(running(0.5)), true)).isTrue();
    assertThat(asha.shouldPrune(running(0.6), List.of(running(0.5)), true)).isFalse();
  }

  @Test
  void ashaChecksRungOneAtStepThreeAgainstTheValuesRecordedThere() {
    SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 3, 0);
    List<Observation> others = List.of(complete(0.9, 0.9, 0.9), complete(0.5, 0.7, 0.8));
    // Rung 1: competing 0.9, 0.8 and the trial's 0.87; 3 // 3 - 1 = 0: must be the best.
    assertThat(asha.shouldPrune(running(0.95, 0.86, 0.87), others, true)).isTrue();
    assertThat(asha.shouldPrune(running(0.95, 0.86, 0.91), others, true)).isFalse();
    // A trial that reports sparsely (a command trial's steps 2 and 4): its rung-0 value is the
    // one at step 2, its rung-1 value the one at step 4.
    TreeMap<Integer, Double> sparse = new TreeMap<>(Map.of(2, 0.95, 4, 0.99));
    assertThat(asha.shouldPrune(running(0.2), List.of(running(sparse)), true)).isTrue();
    assertThat(asha.shouldPrune(running(0.1, 0.1, 0.98), List.of(running(sparse)), true)).isTrue();
  }

  @Test
  void ashaWithABootstrapCountStopsARungsFirstArrivalsThere() {
    SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 3, 0, 2);
    // The first two at rung 0 (itself included) stop there, however good.
    assertThat(asha.shouldPrune(running(0.99), List.of(), true)).isTrue();
    assertThat(asha.shouldPrune(running(0.99), List.of(running(0.5)), true)).isTrue();
    // The third is judged as without a bootstrap: 3 // 3 - 1 = 0, the best goes on.
    List<Observation> two = List.of(running(0.5), running(0.6));
    assertThat(asha.shouldPrune(running(0.7), two, true)).isFalse();
    assertThat(asha.shouldPrune(running(0.55), two, true)).isTrue();
    // Between rungs nothing is decided.
    assertThat(asha.shouldPrune(running(0.7, 0.1), List.of(), true)).isFalse();
  }

  @Test
  void aTrialThatReportedItsLastEpochIsNeverPrunedByEitherRule() {
    // The benchmark's setting: 4 epochs, rungs at epochs 1 and 4, the first two at a rung stop.
    SuccessiveHalvingPruner asha = new SuccessiveHalvingPruner(1, 4, 0, 2);
    OptionalInt fourEpochs = OptionalInt.of(4);
    Observation first = running(0.9, 0.92, 0.93, 0.95);
    // Without a known last epoch (a command trial) the first arrival at rung 1 stops there...
    assertThat(asha.shouldPrune(first, List.of(), true)).isTrue();
    assertThat(asha.shouldPrune(first, List.of(), true, OptionalInt.empty())).isTrue();
    // ...but a trial whose last epoch is 4 has nothing left to train: it completes.
    assertThat(asha.shouldPrune(first, List.of(), true, fourEpochs)).isFalse();
    // So does one below the promotion bar at its last rung: 0.91 is not the best of 0.95, 0.96,
    // 0.97 and 0.91 at step 4.
    List<Observation> others =
        List.of(
            complete(0.9, 0.9, 0.9, 0.95), complete(0.9, 0.9, 0.9, 0.96), running(0.9, 0, 0, 0.97));
    Observation loser = running(0.95, 0.9, 0.9, 0.91);
    assertThat(asha.shouldPrune(loser, others, true)).isTrue();
    assertThat(asha.shouldPrune(loser, others, true, fourEpochs)).isFalse();
    // Before its last epoch the rungs apply as before: the first two at rung 0 stop.
    assertThat(asha.shouldPrune(running(0.99), List.of(), true, fourEpochs)).isTrue();
    // A trial of 6 epochs at epoch 4 is still judged at rung 1.
    assertThat(asha.shouldPrune(loser, others, true, OptionalInt.of(6))).isTrue();

    // The median rule: at step 3 the median of the complete trials is 0.8; 0.75 is below it.
    MedianPruner median = new MedianPruner(2, 1);
    List<Observation> complete = List.of(complete(0.5, 0.7, 0.8), complete(0.6, 0.7, 0.8));
    Observation behind = running(0.6, 0.7, 0.75);
    assertThat(median.shouldPrune(behind, complete, true)).isTrue();
    assertThat(median.shouldPrune(behind, complete, true, OptionalInt.of(5))).isTrue();
    assertThat(median.shouldPrune(behind, complete, true, OptionalInt.of(3))).isFalse();
  }
}
