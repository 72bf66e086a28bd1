package dev.digitlab.server.security;

import dev.digitlab.server.testing.TestDatabase;

class OwnerMigrationOnPostgresTest extends OwnerMigrationContractTest {

  @Override
  protected TestDatabase openDatabaseAtV6() {
    return TestDatabase.postgresUpTo("6");
  }
}
