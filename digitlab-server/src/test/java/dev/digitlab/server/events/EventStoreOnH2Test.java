package dev.digitlab.server.events;

import dev.digitlab.server.testing.TestDatabase;

class EventStoreOnH2Test extends EventStoreContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
