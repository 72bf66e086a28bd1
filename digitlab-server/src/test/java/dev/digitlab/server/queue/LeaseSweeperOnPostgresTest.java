package dev.digitlab.server.queue;

import dev.digitlab.server.testing.TestDatabase;

class LeaseSweeperOnPostgresTest extends LeaseSweeperContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
