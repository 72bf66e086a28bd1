package dev.digitlab.server.trials;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A trial's user tags: MLflow's run tags (the {@code run_tag} table, which the MLflow API's {@code
 * runs/set-tag} writes too), for trials of every kind. A tag is a key with a value, possibly empty
 * (a plain label). Keys starting {@code mlflow.} or {@code digitlab.} are the system's.
 */
@Component
public class TrialTags {

  /** The longest key and value, as MLflow limits them (the columns hold these). */
  public static final int MAX_KEY_LENGTH = 250;

  public static final int MAX_VALUE_LENGTH = 5000;

  // MLflow's rule for names: alphanumerics, underscores, dashes, periods, spaces and slashes.
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_\\-. /]+");

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;

  TrialTags(JdbcClient jdbc, PlatformTransactionManager transactions) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
  }

  /** What is wrong with this key for a user's tag; null when it is fine. */
  public static String keyProblem(String key) {
    if (key == null || key.isBlank()) {
      return "must not be empty: name the tag, e.g. 'baseline'";
    }
    if (key.length() > MAX_KEY_LENGTH) {
      return "must be at most " + MAX_KEY_LENGTH + " characters, got " + key.length();
    }
    if (!KEY.matcher(key).matches()) {
      return "may contain only letters, digits, '_', '-', '.', ' ' and '/', got '" + key + "'";
    }
    if (system(key)) {
      return "'" + key + "' is a system tag (mlflow.* and digitlab.* are set by the system)";
    }
    return null;
  }

  /** Whether this tag is the system's rather than a user's. */
  public static boolean system(String key) {
    return key.startsWith("mlflow.") || key.startsWith("digitlab.");
  }

  /** Sets the tag on every one of these trials, in one transaction (replacing its old value). */
  public void set(Collection<Long> trialIds, String key, String value) {
    transaction.executeWithoutResult(
        status -> {
          for (long id : trialIds) {
            put(id, key, value);
          }
        });
  }

  /**
   * Sets one tag on one trial, replacing its old value, in the caller's transaction: the MLflow
   * API's {@code runs/set-tag} and {@code runs/log-batch} write run tags through here too.
   */
  public void put(long trialId, String key, String value) {
    int updated =
        jdbc.sql("UPDATE run_tag SET tag_value = :value WHERE trial_id = :id AND tag_key = :key")
            .param("value", value)
            .param("id", trialId)
            .param("key", key)
            .update();
    if (updated == 0) {
      jdbc.sql("INSERT INTO run_tag (trial_id, tag_key, tag_value) VALUES (:id, :key, :value)")
          .param("id", trialId)
          .param("key", key)
          .param("value", value)
          .update();
    }
  }

  /** Removes the tag from these trials; how many had it. */
  public int remove(Collection<Long> trialIds, String key) {
    if (trialIds.isEmpty()) {
      return 0;
    }
    return jdbc.sql("DELETE FROM run_tag WHERE trial_id IN (:ids) AND tag_key = :key")
        .param("ids", trialIds)
        .param("key", key)
        .update();
  }

  /** The user tags of the experiment's trials by trial id, keys in order. */
  public Map<Long, Map<String, String>> ofExperiment(long experimentId) {
    Map<Long, Map<String, String>> tags = new HashMap<>();
    jdbc.sql(
            """
            SELECT r.trial_id, r.tag_key, r.tag_value FROM run_tag r
              JOIN trial t ON t.id = r.trial_id WHERE t.experiment_id = :id
            """)
        .param("id", experimentId)
        .query(
            (row, n) -> {
              String key = row.getString(2);
              if (!system(key)) {
                tags.computeIfAbsent(row.getLong(1), k -> new TreeMap<>())
                    .put(key, row.getString(3));
              }
              return key;
            })
        .list();
    return tags;
  }

  /** A tag as a chip shows it: {@code key=value}, or the key alone when the value is empty. */
  public static String label(String key, String value) {
    return value == null || value.isEmpty() ? key : key + "=" + value;
  }

  /**
   * A user tag as the runs tables show it, with the runs-table filter that keeps the runs carrying
   * it (null when the filter grammar cannot quote it).
   */
  public record Chip(String label, String filter) {}

  /** The user tags (not the system's mlflow.* and digitlab.* ones) among {@code tags}, as chips. */
  public static List<Chip> chips(Map<String, String> tags) {
    List<Chip> chips = new ArrayList<>();
    tags.forEach(
        (key, value) -> {
          if (!system(key)) {
            chips.add(new Chip(label(key, value), filter(key, value)));
          }
        });
    return chips;
  }

  /**
   * The filter keeping runs with this tag; null when the grammar cannot quote it (it has no
   * escapes: a value holding both quote marks, a key holding a backquote).
   */
  public static String filter(String key, String value) {
    if (key.contains("`")) {
      return null;
    }
    String quote = !value.contains("'") ? "'" : !value.contains("\"") ? "\"" : null;
    return quote == null ? null : "tags.`" + key + "` = " + quote + value + quote;
  }
}
