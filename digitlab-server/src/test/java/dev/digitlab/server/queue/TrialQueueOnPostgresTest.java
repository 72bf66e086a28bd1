package dev.digitlab.server.queue;

import dev.digitlab.server.testing.TestDatabase;

class TrialQueueOnPostgresTest extends TrialQueueContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
