package dev.digitlab.server.trials;

import dev.digitlab.server.testing.TestDatabase;

class TrialStoreOnH2Test extends TrialStoreContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
