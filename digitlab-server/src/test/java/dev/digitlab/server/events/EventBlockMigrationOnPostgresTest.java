package dev.digitlab.server.events;

import dev.digitlab.server.testing.TestDatabase;

class EventBlockMigrationOnPostgresTest extends EventBlockMigrationContractTest {

  @Override
  protected TestDatabase openDatabaseAtV8() {
    return TestDatabase.postgresUpTo("8");
  }
}
