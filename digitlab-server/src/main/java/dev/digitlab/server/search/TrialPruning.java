package dev.digitlab.server.search;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.ExperimentLimits;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.experiment.PrunerSpec;
import dev.digitlab.protocol.search.Observation;
import dev.digitlab.protocol.search.TrialState;
import dev.digitlab.server.queue.PrunedTrials;
import dev.digitlab.server.queue.TrialQueue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Early stopping: after a running trial's metric events are stored, asks the experiment's pruner
 * (median or ASHA, from {@code dev.digitlab.protocol.search}) whether the trial goes on, from the
 * stored curves of all the experiment's trials, and asks the trial to stop as pruned when not. It
 * works on per-step metric events, whoever reports them: built-in trials' per-epoch metrics, and
 * command trials' metrics with a {@code step}.
 */
@Component
public class TrialPruning {

  private static final ObjectMapper JSON = Json.mapper();
  private static final ExperimentFiles FILES =
      new ExperimentFiles(ExperimentLimits.DEFAULTS.withMaxTrials(Integer.MAX_VALUE));

  private final JdbcClient jdbc;
  private final MetricCurves curves;
  private final PrunedTrials pruned;
  // By experiment id: a stored spec never changes.
  private final Map<Long, Optional<PrunerSpec>> pruners = new ConcurrentHashMap<>();

  public TrialPruning(JdbcClient jdbc, MetricCurves curves, PrunedTrials pruned) {
    this.jdbc = jdbc;
    this.curves = curves;
    this.pruned = pruned;
  }

  private record TrialRow(long id, long experimentId, String status) {}

  /**
   * The trial that reported, as the batch's transaction read it while the lease's fence held its
   * row (so it was running then): its experiment, and its last epoch when known.
   */
  public record ReportingTrial(long id, long experimentId, OptionalInt lastEpoch) {

    /** From the trial's row: {@code kind} and {@code config} give the last epoch. */
    public static ReportingTrial of(long id, long experimentId, String kind, String config) {
      return new ReportingTrial(id, experimentId, TrialPruning.lastEpoch(kind, config));
    }
  }

  /**
   * A built-in trial's configured epochs: once it reports the last one it has nothing left to
   * train, so it is left to complete (with its test metrics) instead of pruned. A command trial's
   * last step is unknown: its own program decides.
   */
  static OptionalInt lastEpoch(String kind, String config) {
    if (!TrialQueue.BUILTIN_KIND.equals(kind)) {
      return OptionalInt.empty();
    }
    try {
      JsonNode epochs = JSON.readTree(config).path("epochs");
      return epochs.isInt() && epochs.intValue() > 0
          ? OptionalInt.of(epochs.intValue())
          : OptionalInt.empty();
    } catch (Exception e) {
      return OptionalInt.empty();
    }
  }

  /**
   * Decides on the trial after a batch of its metrics with {@code keys} was stored. True when it
   * was asked to stop.
   *
   * <p>{@code trial} is what the batch's transaction read under the lease's fence, so no query here
   * re-reads it. The trial may have ended since that transaction committed; asking it to stop
   * changes only a trial still running ({@link PrunedTrials#requestPrune}'s guard), so reading its
   * status again here would cost a query and decide nothing.
   */
  public boolean reported(ReportingTrial trial, Collection<String> keys) {
    if (keys.isEmpty()) {
      return false;
    }
    long trialId = trial.id();
    long experimentId = trial.experimentId();
    Optional<PrunerSpec> spec = pruners.computeIfAbsent(experimentId, this::prunerOf);
    if (spec.isEmpty() || !keys.contains(spec.get().metric())) {
      return false;
    }
    String metric = spec.get().metric();
    List<TrialRow> siblings =
        jdbc.sql(
                "SELECT id, experiment_id, status FROM trial WHERE experiment_id = :id"
                    + " AND status IN ('running', 'succeeded', 'pruned') AND id <> :trial")
            .param("id", experimentId)
            .param("trial", trialId)
            .query(
                (r, n) ->
                    new TrialRow(
                        r.getLong("id"), r.getLong("experiment_id"), r.getString("status")))
            .list();
    List<Observation> others = new ArrayList<>();
    for (TrialRow sibling : siblings) {
      TrialState state =
          switch (sibling.status()) {
            case "succeeded" -> TrialState.COMPLETE;
            case "pruned" -> TrialState.PRUNED;
            default -> TrialState.PENDING;
          };
      NavigableMap<Integer, Double> curve = curves.curve(sibling.id(), metric);
      double last = curve.isEmpty() ? Double.NaN : curve.lastEntry().getValue();
      others.add(new Observation((int) sibling.id(), state, Map.of(), last, curve));
    }
    Observation self =
        new Observation(
            (int) trialId, TrialState.PENDING, Map.of(), Double.NaN, curves.curve(trialId, metric));
    if (spec.get().pruner().shouldPrune(self, others, spec.get().maximize(), trial.lastEpoch())) {
      return pruned.requestPrune(trialId);
    }
    return false;
  }

  /**
   * Whether the experiment has a pruner, i.e. whether {@link #reported} can stop one of its trials:
   * a remote worker waits for the answer to an epoch's events only then.
   */
  public boolean prunes(long experimentId) {
    return pruners.computeIfAbsent(experimentId, this::prunerOf).isPresent();
  }

  private Optional<PrunerSpec> prunerOf(long experimentId) {
    try {
      String spec =
          jdbc.sql("SELECT spec FROM experiment WHERE id = :id")
              .param("id", experimentId)
              .query(String.class)
              .single();
      JsonNode tree = JSON.readTree(spec);
      if (!tree.has("pruner")) {
        return Optional.empty();
      }
      ExperimentSpec read = FILES.fromTree(tree);
      return Optional.ofNullable(read.pruner());
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
