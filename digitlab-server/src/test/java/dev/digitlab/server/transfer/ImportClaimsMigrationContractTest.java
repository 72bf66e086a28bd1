package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.TestDatabase;
import java.sql.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * V20 on upgrade: V19 made every {@code importedFrom} entry a key of {@code imported_archive}, so a
 * crafted claim stored before the upgrade would still block the archive it names. After V20 only
 * the digest the server computed of the experiment's own file (its tag {@code
 * digitlab.import.sha256}) is a key; the claims are kept as claims of that experiment. Run on H2
 * and on PostgreSQL by the subclasses.
 */
abstract class ImportClaimsMigrationContractTest {

  private static final String OWN = "a".repeat(64);
  private static final String CLAIMED = "b".repeat(64);

  protected abstract TestDatabase openDatabaseAtV19();

  @Test
  void claims_stored_as_keys_before_v20_become_claims_and_block_nothing() {
    try (TestDatabase database = openDatabaseAtV19()) {
      JdbcClient jdbc = JdbcClient.create(database.dataSource());
      Timestamp now = Timestamp.from(Instant.parse("2026-01-01T00:00:00Z"));
      jdbc.sql(
              """
              INSERT INTO experiment (id, name, owner, tags, dataset, spec, objective_metric,
                  objective_goal, max_parallel_trials, status, created_at, updated_at)
              VALUES (41, 'imported', 'alice', ',', 'mnist', '{}', 'test_f1_macro', 'max', 1,
                  'succeeded', :now, :now)
              """)
          .param("now", now)
          .update();
      jdbc.sql(
              "INSERT INTO experiment_tag (experiment_id, tag_key, tag_value)"
                  + " VALUES (41, 'digitlab.import.sha256', :own)")
          .param("own", OWN)
          .update();
      for (String digest : new String[] {OWN, CLAIMED}) {
        jdbc.sql(
                "INSERT INTO imported_archive (digest, kind, experiment_id, imported_at)"
                    + " VALUES (:digest, 'experiment', 41, :now)")
            .param("digest", digest)
            .param("now", now)
            .update();
      }

      database.migrate();

      assertThat(jdbc.sql("SELECT digest FROM imported_archive").query(String.class).list())
          .containsExactly(OWN);
      assertThat(
              jdbc.sql("SELECT digest FROM imported_claim WHERE experiment_id = 41")
                  .query(String.class)
                  .list())
          .containsExactly(CLAIMED);
      assertThat(jdbc.sql("SELECT COUNT(*) FROM server_identity").query(Integer.class).single())
          .isZero();
    }
  }
}
