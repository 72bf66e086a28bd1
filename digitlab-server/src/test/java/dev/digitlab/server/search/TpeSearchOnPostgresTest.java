package dev.digitlab.server.search;

import dev.digitlab.server.testing.TestDatabase;

class TpeSearchOnPostgresTest extends TpeSearchContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.postgres();
  }
}
