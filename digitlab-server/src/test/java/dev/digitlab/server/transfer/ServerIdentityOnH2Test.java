package dev.digitlab.server.transfer;

import dev.digitlab.server.testing.TestDatabase;

class ServerIdentityOnH2Test extends ServerIdentityContractTest {

  @Override
  protected TestDatabase openDatabase() {
    return TestDatabase.h2();
  }
}
