package dev.digitlab.server.workers;

import dev.digitlab.server.api.ConflictException;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The stored spec of the experiment whose running trial a lease token holds: what the worker
 * downloads (code, a registered dataset) check their request against.
 */
@Component
class LeasedSpecs {

  private final JdbcClient jdbc;

  LeasedSpecs(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The spec (JSON) of the leased trial's experiment.
   *
   * @throws ConflictException (409) if the token holds no running trial
   */
  String spec(UUID leaseToken) {
    List<String> specs =
        jdbc.sql(
                """
                SELECT e.spec FROM trial t JOIN experiment e ON e.id = t.experiment_id
                 WHERE t.lease_token = :token AND t.status = 'running'
                """)
            .param("token", leaseToken)
            .query(String.class)
            .list();
    if (specs.isEmpty()) {
      throw new ConflictException(
          "No running trial holds this lease (it expired, or the trial was requeued, cancelled or"
              + " finished): drop this attempt");
    }
    return specs.getFirst();
  }
}
