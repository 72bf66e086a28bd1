package dev.digitlab.server.events;

import dev.digitlab.server.testing.TestDatabase;

class EventStoreOnPostgresTest extends EventStoreContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
