package dev.digitlab.protocol.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * digitlab-protocol is the wire format shared by the server, the worker and the CLI: it uses none
 * of them, nor Spring, HTTP, a database or DJL (see its README).
 */
class ModuleRulesTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.digitlab.protocol");

  @Test
  void digitlab_protocol_imports_no_other_module_and_no_framework() {
    noClasses()
        .that()
        .resideInAPackage("dev.digitlab.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.digitlab.worker..",
            "dev.digitlab.server..",
            "dev.digitlab.cli..",
            "org.springframework..",
            "java.net.http..",
            "java.sql..",
            "ai.djl..")
        .check(CLASSES);
  }
}
