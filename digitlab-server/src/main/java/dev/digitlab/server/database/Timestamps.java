package dev.digitlab.server.database;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Instants to and from {@code timestamp with time zone}: PostgreSQL's driver binds and reads {@link
 * OffsetDateTime}, not {@link Instant}, so every time value crosses JDBC as UTC offsets.
 */
public final class Timestamps {

  private Timestamps() {}

  /** The JDBC value for an instant (null stays null). */
  public static OffsetDateTime toSql(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  /** The instant in a column, or null. */
  public static Instant instant(ResultSet row, String column) throws SQLException {
    OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
