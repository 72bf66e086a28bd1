package dev.digitlab.server.experiments;

import dev.digitlab.server.testing.TestDatabase;

class ExperimentStoreOnH2Test extends ExperimentStoreContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
