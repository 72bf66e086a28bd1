package dev.digitlab.server.security;

import dev.digitlab.server.testing.TestDatabase;

class OwnerMigrationOnH2Test extends OwnerMigrationContractTest {

  @Override
  protected TestDatabase openDatabaseAtV6() {
    return TestDatabase.h2UpTo("6");
  }
}
