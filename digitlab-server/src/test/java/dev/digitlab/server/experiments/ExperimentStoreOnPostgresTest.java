package dev.digitlab.server.experiments;

import dev.digitlab.server.testing.TestDatabase;

class ExperimentStoreOnPostgresTest extends ExperimentStoreContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
