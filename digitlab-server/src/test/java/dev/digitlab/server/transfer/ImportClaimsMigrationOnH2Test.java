package dev.digitlab.server.transfer;

import dev.digitlab.server.testing.TestDatabase;

class ImportClaimsMigrationOnH2Test extends ImportClaimsMigrationContractTest {

  @Override
  protected TestDatabase openDatabaseAtV19() {
    return TestDatabase.h2UpTo("19");
  }
}
