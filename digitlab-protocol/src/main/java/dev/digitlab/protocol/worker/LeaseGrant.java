package dev.digitlab.protocol.worker;

import java.util.Objects;
import java.util.UUID;

/**
 * A trial handed to a worker: 200 to {@code POST /api/v1/worker/lease} (204 when there was nothing
 * to do within the poll time).
 *
 * @param leaseToken fences every later heartbeat, event batch, upload and completion: once the
 *     lease is lost they answer 409 and the worker drops the attempt
 * @param config the trial's training config, as JSON
 * @param objectiveMetric the experiment's objective metric, which the completion reports
 * @param firstSeq the seq of this attempt's first event
 * @param resumeEpoch epochs the trial's last uploaded checkpoint holds; null to start from scratch.
 *     The checkpoint is fetched from {@code GET /api/v1/worker/leases/{trialId}/checkpoint}
 * @param command what to run for a command trial; null for a built-in trial, which trains {@code
 *     config}. A command trial's {@code config} holds its parameter values as a JSON object
 * @param dataset the registered dataset the trial trains on, which the worker fetches by digest
 *     unless it has it; null for a built-in dataset (and a command trial)
 * @param prunable the experiment has a pruner, so the answer to the attempt's events may stop it
 *     ({@link EventsAnswer#stop()}): the worker waits for that answer at each epoch's end before
 *     training on. Without a pruner only a user's cancel stops a trial, which the heartbeat brings
 *     back, so the worker does not wait (false from a server older than this field)
 */
public record LeaseGrant(
    long trialId,
    long experimentId,
    int attempt,
    UUID leaseToken,
    long leaseMillis,
    String config,
    String objectiveMetric,
    long firstSeq,
    Integer resumeEpoch,
    CommandTask command,
    DatasetTask dataset,
    boolean prunable) {

  public LeaseGrant {
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(config, "config");
  }
}
