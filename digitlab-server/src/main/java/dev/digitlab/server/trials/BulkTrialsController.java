package dev.digitlab.server.trials;

import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.queue.DeletedTrials;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.queue.TrialStatus;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The runs table's bulk actions on the trials a user selected: tag, untag, cancel, delete and
 * restore. Every request is checked whole before anything changes (each trial exists and the caller
 * may change its experiment; a delete names no queued or running trial), so a refused request
 * changes nothing. Deleting is MLflow's soft delete: the trial's lifecycle stage becomes {@code
 * deleted}, pages leave it out, and {@code restore} gives it back.
 */
@RestController
@RequestMapping("/api/v1/trials")
class BulkTrialsController {

  /** The most trials one request may name. */
  static final int MAX_TRIALS = 1000;

  /** The body of every bulk action; {@code key} and {@code value} are the tag's. */
  record Selection(List<Long> trials, String key, String value) {}

  /** What a bulk action did to each trial. */
  record Result(List<Item> trials) {}

  /** One trial after the action. */
  record Item(long id, String status, String lifecycleStage, boolean cancelRequested) {}

  private final TrialStore trials;
  private final TrialOwnership ownership;
  private final TrialTags tags;
  private final TrialCancels cancels;
  private final DeletedTrials deleted;

  BulkTrialsController(
      TrialStore trials,
      TrialOwnership ownership,
      TrialTags tags,
      TrialCancels cancels,
      DeletedTrials deleted) {
    this.trials = trials;
    this.ownership = ownership;
    this.tags = tags;
    this.cancels = cancels;
    this.deleted = deleted;
  }

  /** Sets the tag {@code key} (with {@code value}, empty by default) on every selected trial. */
  @PostMapping(path = "/tag", produces = MediaType.APPLICATION_JSON_VALUE)
  Result tag(@RequestBody(required = false) Selection body, HttpServletRequest request) {
    List<Trial> selected = selected(body, request);
    String key = body.key() == null ? null : body.key().strip();
    String problem = TrialTags.keyProblem(key);
    if (problem != null) {
      throw new InvalidParameterException("key", problem);
    }
    String value = body.value() == null ? "" : body.value().strip();
    if (value.length() > TrialTags.MAX_VALUE_LENGTH) {
      throw new InvalidParameterException(
          "value",
          "must be at most " + TrialTags.MAX_VALUE_LENGTH + " characters, got " + value.length());
    }
    tags.set(ids(selected), key, value);
    return result(selected);
  }

  /** Removes the tag {@code key} from every selected trial that has it. */
  @PostMapping(path = "/untag", produces = MediaType.APPLICATION_JSON_VALUE)
  Result untag(@RequestBody(required = false) Selection body, HttpServletRequest request) {
    List<Trial> selected = selected(body, request);
    String key = body.key() == null ? null : body.key().strip();
    if (key == null || key.isEmpty()) {
      throw new InvalidParameterException("key", "must not be empty: name the tag to remove");
    }
    if (TrialTags.system(key)) {
      throw new InvalidParameterException(
          "key", "'" + key + "' is a system tag (mlflow.* and digitlab.* are set by the system)");
    }
    tags.remove(ids(selected), key);
    return result(selected);
  }

  /**
   * Cancels every selected trial through the queue, as {@code POST /api/v1/trials/{id}/cancel} does
   * one: queued ones at once, running ones when their worker next looks. A selection with a trial
   * that already finished is refused (409) before any is cancelled.
   */
  @PostMapping(path = "/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  Result cancel(@RequestBody(required = false) Selection body, HttpServletRequest request) {
    List<Trial> selected = selected(body, request);
    List<String> finished = named(selected, status -> !TrialCancels.cancellable(status));
    if (!finished.isEmpty()) {
      throw new ConflictException(
          "Nothing was cancelled: "
              + String.join(", ", finished)
              + " already finished; only queued and running trials can be cancelled. Unselect "
              + (finished.size() == 1 ? "it" : "them")
              + " and try again.");
    }
    for (Trial trial : selected) {
      if (ExternalTrials.KIND.equals(trial.kind())) {
        throw new ConflictException("Nothing was cancelled: " + TrialCancels.notOurs(trial.id()));
      }
    }
    for (Trial trial : selected) {
      cancels.cancel(trial.id());
    }
    return result(selected);
  }

  /**
   * Deletes the selected trials softly (MLflow's {@code runs/delete}); a queued or running trial
   * must be cancelled first, and a selection with one is refused (409) before any is deleted.
   */
  @PostMapping(path = "/delete", produces = MediaType.APPLICATION_JSON_VALUE)
  Result delete(@RequestBody(required = false) Selection body, HttpServletRequest request) {
    List<Trial> selected = selected(body, request);
    List<String> live =
        named(selected, status -> status == TrialStatus.QUEUED || status == TrialStatus.RUNNING);
    if (!live.isEmpty()) {
      throw new ConflictException(
          "Nothing was deleted: "
              + String.join(", ", live)
              + (live.size() == 1 ? " is" : " are")
              + " still queued or running; cancel "
              + (live.size() == 1 ? "it" : "them")
              + " first, then delete.");
    }
    deleted.delete(ids(selected));
    return result(selected);
  }

  /** Restores deleted trials (MLflow's {@code runs/restore}). */
  @PostMapping(path = "/restore", produces = MediaType.APPLICATION_JSON_VALUE)
  Result restore(@RequestBody(required = false) Selection body, HttpServletRequest request) {
    List<Trial> selected = selected(body, request);
    deleted.restore(ids(selected));
    return result(selected);
  }

  /**
   * The selected trials, once each, after checking the request: a 400 for an empty or oversized
   * selection, a 404 for a trial that does not exist, a 403 for one the caller may not change.
   */
  private List<Trial> selected(Selection body, HttpServletRequest request) {
    if (body == null || body.trials() == null || body.trials().isEmpty()) {
      throw new InvalidParameterException(
          "trials", "select at least one trial: send {\"trials\": [ID, ...]}");
    }
    Set<Long> ids = new LinkedHashSet<>();
    for (Long id : body.trials()) {
      if (id == null) {
        throw new InvalidParameterException("trials", "trial ids must be numbers, got null");
      }
      ids.add(id);
    }
    if (ids.size() > MAX_TRIALS) {
      throw new InvalidParameterException(
          "trials", "at most " + MAX_TRIALS + " trials at once, got " + ids.size());
    }
    List<Trial> selected = new ArrayList<>();
    for (long id : ids) {
      Trial trial = trials.get(id);
      ownership.checkMayChange(trial, request);
      selected.add(trial);
    }
    return selected;
  }

  /** The selected trials in these statuses as a refusal names them: {@code #3 (succeeded)}. */
  private static List<String> named(List<Trial> selected, Predicate<TrialStatus> which) {
    return selected.stream()
        .filter(trial -> which.test(trial.status()))
        .map(trial -> "#" + trial.ordinal() + " (" + trial.status().dbValue() + ")")
        .toList();
  }

  private static List<Long> ids(List<Trial> selected) {
    return selected.stream().map(Trial::id).toList();
  }

  private Result result(List<Trial> selected) {
    return new Result(
        trials.findAll(ids(selected)).stream()
            .map(
                t ->
                    new Item(t.id(), t.status().dbValue(), t.lifecycleStage(), t.cancelRequested()))
            .toList());
  }
}
