package dev.digitlab.server.queue;

import dev.digitlab.server.testing.TestDatabase;

class TrialQueueOnH2Test extends TrialQueueContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
