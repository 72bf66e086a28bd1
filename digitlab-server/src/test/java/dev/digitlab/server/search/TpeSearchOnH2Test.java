package dev.digitlab.server.search;

import dev.digitlab.server.testing.TestDatabase;

class TpeSearchOnH2Test extends TpeSearchContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
