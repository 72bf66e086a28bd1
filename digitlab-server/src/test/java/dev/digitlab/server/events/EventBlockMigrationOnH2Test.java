package dev.digitlab.server.events;

import dev.digitlab.server.testing.TestDatabase;

class EventBlockMigrationOnH2Test extends EventBlockMigrationContractTest {

  @Override
  protected TestDatabase openDatabaseAtV8() {
    return TestDatabase.h2UpTo("8");
  }
}
