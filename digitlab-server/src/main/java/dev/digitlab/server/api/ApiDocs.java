package dev.digitlab.server.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document's title and description (springdoc fills in the operations). */
@Configuration(proxyBeanMethods = false)
class ApiDocs {

  @Bean
  OpenAPI digitLabApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Digit Lab API")
                .version("v1")
                .description(
                    "Run, track and compare handwritten-digit classifiers. Errors are RFC 9457"
                        + " problem details; a 400 lists every bad field in 'errors'."));
  }
}
