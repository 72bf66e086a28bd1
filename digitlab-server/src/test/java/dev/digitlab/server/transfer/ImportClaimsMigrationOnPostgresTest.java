package dev.digitlab.server.transfer;

import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.testing.TestPostgres;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPostgres.Required.class)
class ImportClaimsMigrationOnPostgresTest extends ImportClaimsMigrationContractTest {

  @Override
  protected TestDatabase openDatabaseAtV19() {
    return TestDatabase.postgresUpTo("19");
  }
}
