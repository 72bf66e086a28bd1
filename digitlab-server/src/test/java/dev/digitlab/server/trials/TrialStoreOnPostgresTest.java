package dev.digitlab.server.trials;

import dev.digitlab.server.testing.TestDatabase;

class TrialStoreOnPostgresTest extends TrialStoreContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
