package dev.digitlab.server.workers;

import dev.digitlab.server.testing.TestDatabase;

class WorkerRegistryOnPostgresTest extends WorkerRegistryContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
