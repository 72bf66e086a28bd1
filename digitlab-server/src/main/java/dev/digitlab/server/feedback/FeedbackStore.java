package dev.digitlab.server.feedback;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;

/** Feedback rows in the database; the images are files (see {@link FeedbackImages}). */
@Component
public class FeedbackStore {

  /** Every {@code HELD_OUT_EVERY}-th image of a model is held out for evaluating retrains. */
  static final int HELD_OUT_EVERY = 5;

  private static final String COLUMNS =
      """
      id, model_name, model_version, predicted, confidence, label, image_file, image_sha256,
      used_by_trial, held_out, created_at
      """;

  private final JdbcClient jdbc;
  private final Clock clock;

  FeedbackStore(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  Feedback insert(NewFeedback f) {
    long count =
        jdbc.sql("SELECT COUNT(*) FROM feedback WHERE model_name = :m")
            .param("m", f.model())
            .query(Long.class)
            .single();
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO feedback (model_name, model_version, predicted, confidence, label,
                image_file, image_sha256, held_out, created_at)
            VALUES (:m, :version, :predicted, :confidence, :label, :file, :sha, :heldOut, :now)
            """)
        .param("m", f.model())
        .param("version", f.modelVersion())
        .param("predicted", f.predicted())
        .param("confidence", f.confidence())
        .param("label", f.label())
        .param("file", f.imageFile())
        .param("sha", f.imageSha256())
        // Fixed at intake, so a retrain's held-out set never changes under it.
        .param("heldOut", count % HELD_OUT_EVERY == HELD_OUT_EVERY - 1)
        .param("now", toSql(clock.instant()))
        .update(key, "id");
    return find(key.getKeyAs(Number.class).longValue()).orElseThrow();
  }

  public Optional<Feedback> find(long id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM feedback WHERE id = :id")
        .param("id", id)
        .query(FeedbackStore::feedback)
        .optional();
  }

  /** Matching feedback, newest first. */
  List<Feedback> list(FeedbackQuery q) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM feedback WHERE 1 = 1");
    List<Object[]> params = new ArrayList<>();
    if (q.model() != null) {
      sql.append(" AND model_name = :model");
      params.add(new Object[] {"model", q.model()});
    }
    if (q.label() != null) {
      sql.append(" AND label = :label");
      params.add(new Object[] {"label", q.label()});
    }
    if (q.used() != null) {
      sql.append(q.used() ? " AND used_by_trial IS NOT NULL" : " AND used_by_trial IS NULL");
    }
    if (q.heldOut() != null) {
      sql.append(" AND held_out = :heldOut");
      params.add(new Object[] {"heldOut", q.heldOut()});
    }
    sql.append(" ORDER BY id DESC LIMIT :limit OFFSET :offset");
    JdbcClient.StatementSpec statement = jdbc.sql(sql.toString());
    for (Object[] p : params) {
      statement = statement.param((String) p[0], p[1]);
    }
    return statement
        .param("limit", q.limit())
        .param("offset", q.offset())
        .query(FeedbackStore::feedback)
        .list();
  }

  /** A model's feedback in intake order, for training and evaluation. */
  public List<Feedback> all(String model) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM feedback WHERE model_name = :m ORDER BY id")
        .param("m", model)
        .query(FeedbackStore::feedback)
        .list();
  }

  public long countUnused(String model) {
    return jdbc.sql("SELECT COUNT(*) FROM feedback WHERE model_name = :m AND used_by_trial IS NULL")
        .param("m", model)
        .query(Long.class)
        .single();
  }

  /** Marks the given images as consumed by a retraining trial that succeeded. */
  public void markUsed(Collection<Long> ids, long trialId) {
    if (ids.isEmpty()) {
      return;
    }
    jdbc.sql("UPDATE feedback SET used_by_trial = :trial WHERE id IN (:ids)")
        .param("trial", trialId)
        .param("ids", ids)
        .update();
  }

  private static Feedback feedback(ResultSet row, int n) throws SQLException {
    return new Feedback(
        row.getLong("id"),
        row.getString("model_name"),
        row.getObject("model_version", Integer.class),
        row.getObject("predicted", Integer.class),
        row.getObject("confidence", Double.class),
        row.getInt("label"),
        row.getString("image_file"),
        row.getString("image_sha256"),
        row.getObject("used_by_trial", Long.class),
        row.getBoolean("held_out"),
        instant(row, "created_at"));
  }
}
