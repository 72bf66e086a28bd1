package dev.digitlab.worker.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * A worker knows a server URL and a token, nothing of the server's code or its database, and runs
 * without Spring (see its README; the pom's enforcer bans the dependencies, this the imports).
 */
class ModuleRulesTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.digitlab.worker");

  @Test
  void digitlab_worker_imports_neither_the_server_nor_the_cli_nor_spring_nor_a_database() {
    noClasses()
        .that()
        .resideInAPackage("dev.digitlab.worker..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.digitlab.server..", "dev.digitlab.cli..", "org.springframework..", "java.sql..")
        .check(CLASSES);
  }
}
