package dev.digitlab.server.workers;

import dev.digitlab.server.testing.TestDatabase;

class WorkerRegistryOnH2Test extends WorkerRegistryContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
