package dev.digitlab.server.queue;

import dev.digitlab.server.testing.TestDatabase;

class LeaseSweeperOnH2Test extends LeaseSweeperContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
